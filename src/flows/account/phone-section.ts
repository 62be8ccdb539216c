import { phoneListed } from '../../methods/phone.js';
import type { FlowDeps } from '../deps.js';

/** The account page's line about the phone: undefined when the policy does not offer it. */
export async function phoneSection(deps: FlowDeps, accountId: string): Promise<{ ending?: string } | undefined> {
  if (!phoneListed(deps)) return undefined;
  return { ending: await deps.identity.phone.ending(accountId) };
}
