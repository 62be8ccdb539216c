import { appListed } from '../../methods/authenticator-app.js';
import type { FlowDeps } from '../deps.js';

/** The account page's section: undefined when the policy does not offer the app. */
export async function authenticatorAppSection(deps: FlowDeps, accountId: string): Promise<{ enrolled: boolean; codesLeft: number } | undefined> {
  if (!appListed(deps)) return undefined;
  const app = deps.identity.authenticatorApp;
  const enrolled = await app.has(accountId);
  return { enrolled, codesLeft: enrolled ? await app.recoveryCodesLeft(accountId) : 0 };
}
