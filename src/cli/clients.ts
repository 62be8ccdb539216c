import type { Command } from './context.js';
import { UsageError } from './context.js';

/** Config was already loaded (and so validated) to build the context: list what it holds. */
export const clients: Command = async ([sub], ctx) => {
  if (sub !== 'check') throw new UsageError('usage: portico clients check');
  const { metadata, settings } = ctx.config.clients;
  for (const client of metadata) {
    const id = client.client_id as string;
    const s = settings.get(id)!;
    const extras = [s.firstParty ? 'first-party' : 'third-party', s.legacyLink ? `legacy link: ${s.legacyLink.system}` : ''].filter(Boolean);
    ctx.out(`${id}  "${s.clientName}"  ${extras.join(', ')}`);
  }
  ctx.out(`${ctx.config.clientsFile}: ${metadata.length} client(s), valid`);
  return 0;
};
