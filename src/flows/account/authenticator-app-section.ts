import { hasAuthenticatorApp, recoveryCodesLeft } from '../../identity/second-step/authenticator-app.js';
import { appListed } from '../../methods/authenticator-app.js';
import type { FlowDeps } from '../deps.js';

/** The account page's section: undefined when the policy does not offer the app. */
export async function authenticatorAppSection(deps: FlowDeps, accountId: string): Promise<{ enrolled: boolean; codesLeft: number } | undefined> {
  if (!appListed(deps)) return undefined;
  const enrolled = await hasAuthenticatorApp(deps.db, accountId);
  return { enrolled, codesLeft: enrolled ? await recoveryCodesLeft(deps.db, accountId) : 0 };
}
