import { passkeysListed } from '../../methods/passkey.js';
import type { FlowDeps } from '../deps.js';

/** The account page's list of passkeys: undefined when the policy does not offer them. */
export async function passkeySection(deps: FlowDeps, accountId: string): Promise<{ id: string; name: string; added: string }[] | undefined> {
  if (!passkeysListed(deps)) return undefined;
  return (await deps.identity.passkeys.list(accountId)).map((p) => ({ id: p.id, name: p.name, added: p.createdAt.toISOString().slice(0, 10) }));
}
