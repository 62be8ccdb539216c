import { findForOperator } from '../identity/account-admin.js';
import { listLinks, removeLink } from '../identity/legacy/links.js';
import { UsageError } from './args.js';
import type { Command } from './context.js';
import { operatorName } from './users.js';

const usage = 'usage: portico links list <username|email> | portico links remove <username|email> <system>';

/** `portico links list|remove`: the legacy subjects an ID is linked to (issue 6, item 5). */
export const links: Command = async ([sub, login, system, ...extra], ctx) => {
  const wanted = sub === 'list' ? login && !system : sub === 'remove' ? login && system : false;
  if (!wanted || extra.length) throw new UsageError(usage);
  const db = await ctx.db();
  const account = await findForOperator(db, login!);
  if (!account) {
    ctx.err(`no ID with username or email "${login}"`);
    return 1;
  }
  if (sub === 'list') {
    const found = await listLinks(db, account.id);
    if (found.length === 0) ctx.out(`${account.username} has no legacy links`);
    for (const link of found) ctx.out(`${link.system}  ${link.subject}  linked ${link.linked_at.toISOString()}`);
    return 0;
  }
  const removed = await removeLink(db, account.id, system!, operatorName(ctx));
  ctx.out(removed ? `removed the ${system} link of ${account.username}` : `${account.username} has no ${system} link`);
  return 0;
};
