import { findForOperator } from '../identity/account-admin.js';
import type { Account } from '../identity/accounts.js';
import { listLinks, removeLink } from '../identity/legacy/links.js';
import type { Db } from '../storage/database.js';
import { UsageError } from './args.js';
import type { CommandContext } from './context.js';
import { usageOf, type CommandSpec } from './spec.js';
import { operatorOf } from './users.js';

async function accountOf(ctx: CommandContext, login: string): Promise<{ db: Db; account?: Account }> {
  const db = await ctx.db();
  const account = await findForOperator(db, login);
  if (!account) ctx.err(`no ID with username or email "${login}"`);
  return { db, account };
}

/** `portico links list|remove`: the legacy subjects an ID is linked to. */
export const linksList: CommandSpec = {
  path: ['links', 'list'],
  args: '<username|email>',
  summary: 'the legacy subjects an ID is linked to',
  example: 'portico links list jsmith01',
  database: true,
  async run([login, ...extra], ctx) {
    if (!login || extra.length) throw new UsageError(usageOf(linksList));
    const { db, account } = await accountOf(ctx, login);
    if (!account) return 1;
    const found = await listLinks(db, account.id);
    if (found.length === 0) ctx.out(`${account.username} has no legacy links`);
    for (const link of found) ctx.out(`${link.system}  ${link.subject}  linked ${link.linked_at.toISOString()}`);
    return 0;
  },
};

export const linksRemove: CommandSpec = {
  path: ['links', 'remove'],
  args: '<username|email> <system>',
  summary: 'remove one link: the portal asks for it again at the next sign-in',
  example: 'portico links remove jsmith01 trucase',
  database: true,
  async run([login, system, ...extra], ctx) {
    if (!login || !system || extra.length) throw new UsageError(usageOf(linksRemove));
    const { db, account } = await accountOf(ctx, login);
    if (!account) return 1;
    const removed = await removeLink(db, account.id, system, operatorOf(ctx));
    ctx.out(removed ? `removed the ${system} link of ${account.username}` : `${account.username} has no ${system} link`);
    return 0;
  },
};
