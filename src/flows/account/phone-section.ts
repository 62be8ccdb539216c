import { phoneListed } from '../../methods/phone.js';
import type { Account } from '../../identity/accounts.js';
import type { FlowDeps } from '../deps.js';

/** The account page's line about the phone: undefined when the policy does not offer it to this account's type. */
export async function phoneSection(deps: FlowDeps, account: Account): Promise<{ ending?: string } | undefined> {
  if (!phoneListed(deps, account)) return undefined;
  return { ending: await deps.identity.phone.ending(account.id) };
}
