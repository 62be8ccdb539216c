import { appListed } from '../../methods/authenticator-app.js';
import type { Account } from '../../identity/accounts.js';
import type { FlowDeps } from '../deps.js';

/** The account page's section: undefined when the policy does not offer the app to this account's type. */
export async function authenticatorAppSection(deps: FlowDeps, account: Account): Promise<{ enrolled: boolean; codesLeft: number } | undefined> {
  if (!appListed(deps, account)) return undefined;
  const accountId = account.id;
  const app = deps.identity.authenticatorApp;
  const enrolled = await app.has(accountId);
  return { enrolled, codesLeft: enrolled ? await app.recoveryCodesLeft(accountId) : 0 };
}
