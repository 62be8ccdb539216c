import { findForOperator } from '../identity/account-admin.js';
import { deleteAccount } from '../identity/erase-account.js';
import { noPortalSessions } from '../identity/portal-sessions.js';
import { UsageError } from './args.js';
import { usageOf, type CommandSpec } from './spec.js';
import { operatorOf } from './users.js';

/** The login the command names; a usage error unless it is one login and --yes. */
function loginOf(args: string[]): string {
  const yes = args.filter((a) => a === '--yes').length;
  const rest = args.filter((a) => a !== '--yes');
  const [login, ...extra] = rest;
  if (!login || extra.length > 0 || login.startsWith('-') || yes > 1) throw new UsageError(usageOf(usersDelete));
  // Nothing is opened before the operator confirmed: deleting cannot be undone.
  if (yes === 0) throw new UsageError(`deleting ${login} cannot be undone; run again with --yes to delete it`);
  return login;
}

export const usersDelete: CommandSpec = {
  path: ['users', 'delete'],
  args: '<username|email> --yes',
  summary: 'delete an ID for good (the right to erasure, or a duplicate); its audit events keep only a pseudonym',
  details: [
    'Removes the account, its sessions and tokens, second-step methods, remembered devices, answers and legacy links.',
    'Audit events that named it name its pseudonym instead; the deletion is audited as operator.delete.',
    'Without --yes it refuses and changes nothing.',
  ],
  options: [['--yes', 'confirm: the deletion cannot be undone']],
  example: 'portico users delete jsmith01 --yes',
  database: true,
  checkArgs: (args) => void loginOf(args),
  async run(args, ctx) {
    const login = loginOf(args);
    const db = await ctx.db();
    const account = await findForOperator(db, login);
    if (!account) {
      ctx.err(`no ID with username or email "${login}"`);
      return 1;
    }
    const pseudonym = await deleteAccount(db, ctx.portals ?? noPortalSessions, account, operatorOf(ctx));
    ctx.out(`deleted ${account.username}; its audit events now name ${pseudonym}`);
    return 0;
  },
};
