import { runCommand } from '../../src/cli/commands.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { requestOrganization } from '../../src/identity/organizations/requests.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import { organizationsService } from '../../src/identity/services/organizations.js';
import type { Db } from '../../src/storage/database.js';
import { startPortico, type PorticoOptions, type TestPortico } from './portico.js';
import { TestSmtp } from './smtp.js';

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

/** The organisations service over a test server's database and policy, as the pages and the admin API get it. */
export function organizationsOf(portico: TestPortico) {
  const { config, server } = portico;
  return organizationsService({ db: server.database.db, hasher: new PasswordHasher(config.policy.argon2), policy: config.policy, issuer: config.issuer, phone: undefined as never, portals: server.portals });
}

/** An operator approves the organisation with the CLI (in process); its exit code. */
export function approveByCli(portico: TestPortico, organizationId: string): Promise<number> {
  return runCommand(['orgs', 'approve', organizationId], { config: portico.config, db: async () => portico.server.database.db, out: () => {}, err: () => {}, operator: 'ops-olga' });
}

/** A test server whose mail goes to a real SMTP server on loopback; `stop` ends both. */
export async function startWithSmtp(options: PorticoOptions): Promise<{ smtp: TestSmtp; portico: TestPortico; stop(): Promise<void> }> {
  const smtp = await TestSmtp.start();
  const portico = await startPortico({ ...options, env: { SMTP_URL: smtp.url, MAIL_FROM: 'Portico <no-reply@portico.test>', ...options.env } });
  return { smtp, portico, stop: async () => (await portico.stop(), await smtp.close()) };
}
