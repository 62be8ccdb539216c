import { ACCOUNT_CLIENT_ID } from '../config/account-client.js';
import { checkClients } from '../oidc/validate-clients.js';
import { parseFlags } from './args.js';
import type { CommandSpec } from './spec.js';

/**
 * Runs the server's own start-up validation (checkClients): a file this passes, the server
 * accepts, in the same environment. Then lists the portals.
 */
export const clientsCheck: CommandSpec = {
  path: ['clients', 'check'],
  summary: 'validate the clients file as server start-up does, and list the portals',
  details: [
    'Reads CLIENTS_FILE and the secrets it names (client_secret_env, legacy_link.verifier.secret_env) from this environment;',
    'with NODE_ENV=production it applies production\'s rules too. A bad file: one line naming file, client and field, exit 1.',
  ],
  example: 'CLIENTS_FILE=/etc/portico/clients.json NODE_ENV=production portico clients check',
  database: false,
  async run(args, ctx) {
    parseFlags(args, {});
    const config = await checkClients(ctx.config);
    // Only the file's portals: the built-in account client is Portico's own.
    const metadata = config.clients.metadata.filter((c) => c.client_id !== ACCOUNT_CLIENT_ID);
    for (const client of metadata) {
      const id = String(client.client_id);
      const s = config.clients.settings.get(id)!;
      const extras = [s.firstParty ? 'first-party' : 'third-party', s.requireSecondStep ? 'second step always' : '', s.minimumAcr ? `minimum acr: ${s.minimumAcr}` : '', s.legacyLink ? `legacy link: ${s.legacyLink.system}` : ''].filter(Boolean);
      ctx.out(`${id}  "${s.clientName}"  ${extras.join(', ')}`);
    }
    ctx.out(`${config.clientsFile}: ${metadata.length} client(s), valid`);
    return 0;
  },
};
