import { findAccountById } from '../../src/identity/accounts.js';
import { requestOrganization } from '../../src/identity/organizations/requests.js';
import type { Db } from '../../src/storage/database.js';
import type { TestPortico } from './portico.js';

const typed = new Set<string>();

/** Every Tax ID a test asked for (nine digits), to look for a whole one in what was answered. */
export const typedTaxIds: ReadonlySet<string> = typed;

/** A pending organisation asked for by a new person; its Tax ID's nine digits are new to this run. */
export async function pendingOrganization(portico: TestPortico, db: Db, legalName: string) {
  const user = await portico.createUser();
  const account = (await findAccountById(db, user.id))!;
  let digits: string;
  do digits = `12${String(Math.floor(Math.random() * 10_000_000)).padStart(7, '0')}`;
  while (typed.has(digits));
  typed.add(digits);
  const requested = await requestOrganization(db, portico.config.policy.organizations, account, { taxId: `${digits.slice(0, 2)}-${digits.slice(2)}`, legalName, address: '12 Shore Rd, Duluth MN 55802', phone: '218-555-0100' });
  if (!requested.ok || requested.kind !== 'register') throw new Error(`request refused: ${JSON.stringify(requested)}`);
  return { user, id: requested.organizationId, last4: digits.slice(-4) };
}
