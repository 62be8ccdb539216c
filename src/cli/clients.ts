import { ACCOUNT_CLIENT_ID } from '../config/account-client.js';
import { checkClients } from '../oidc/validate-clients.js';
import { parseFlags, UsageError } from './args.js';
import type { Command } from './context.js';

/**
 * Runs the server's own start-up validation (checkClients): a file this passes, the server
 * accepts, in the same environment. Then lists the portals.
 */
const check: Command = async (args, ctx) => {
  parseFlags(args, {});
  const config = await checkClients(ctx.config);
  // Only the file's portals: the built-in account client is Portico's own.
  const metadata = config.clients.metadata.filter((c) => c.client_id !== ACCOUNT_CLIENT_ID);
  for (const client of metadata) {
    const id = String(client.client_id);
    const s = config.clients.settings.get(id)!;
    const extras = [s.firstParty ? 'first-party' : 'third-party', s.requireSecondStep ? 'second step always' : '', s.legacyLink ? `legacy link: ${s.legacyLink.system}` : ''].filter(Boolean);
    ctx.out(`${id}  "${s.clientName}"  ${extras.join(', ')}`);
  }
  ctx.out(`${config.clientsFile}: ${metadata.length} client(s), valid`);
  return 0;
};

export const clients: Command = async ([sub, ...rest], ctx) => {
  if (sub === 'check') return check(rest, ctx);
  throw new UsageError('usage: portico clients check');
};
