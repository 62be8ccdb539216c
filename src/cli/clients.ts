import { ACCOUNT_CLIENT_ID } from '../config/account-client.js';
import { parseFlags, UsageError } from './args.js';
import type { Command } from './context.js';

/**
 * The config was loaded, and so validated, to build the context: a bad clients file never
 * gets here (the CLI prints loadConfig's one-line ConfigError). List what it holds.
 */
const check: Command = async (args, ctx) => {
  parseFlags(args, {});
  const { settings } = ctx.config.clients;
  // Only the file's portals: the built-in account client is Portico's own.
  const metadata = ctx.config.clients.metadata.filter((c) => c.client_id !== ACCOUNT_CLIENT_ID);
  for (const client of metadata) {
    const id = String(client.client_id);
    const s = settings.get(id)!;
    const extras = [s.firstParty ? 'first-party' : 'third-party', s.requireSecondStep ? 'second step always' : '', s.legacyLink ? `legacy link: ${s.legacyLink.system}` : ''].filter(Boolean);
    ctx.out(`${id}  "${s.clientName}"  ${extras.join(', ')}`);
  }
  ctx.out(`${ctx.config.clientsFile}: ${metadata.length} client(s), valid`);
  return 0;
};

export const clients: Command = async ([sub, ...rest], ctx) => {
  if (sub === 'check') return check(rest, ctx);
  throw new UsageError('usage: portico clients check');
};
