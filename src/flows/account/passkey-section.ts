import { passkeysListed } from '../../methods/passkey.js';
import type { Account } from '../../identity/accounts.js';
import type { FlowDeps } from '../deps.js';

/** The account page's list of passkeys: undefined when the policy does not offer them to this account's type. */
export async function passkeySection(deps: FlowDeps, account: Account): Promise<{ id: string; name: string; added: string }[] | undefined> {
  if (!passkeysListed(deps, account)) return undefined;
  return (await deps.identity.passkeys.list(account.id)).map((p) => ({ id: p.id, name: p.name, added: p.createdAt.toISOString().slice(0, 10) }));
}
