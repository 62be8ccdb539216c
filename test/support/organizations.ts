import { runCommand } from '../../src/cli/commands.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import { organizationsService } from '../../src/identity/services/organizations.js';
import { startPortico, type PorticoOptions, type TestPortico } from './portico.js';
import { TestSmtp } from './smtp.js';

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
