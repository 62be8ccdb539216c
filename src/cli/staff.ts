import { findForOperator } from '../identity/account-admin.js';
import { grantStaffRole, isStaffRole, listStaff, revokeStaffRole, STAFF_ROLES } from '../identity/staff.js';
import { UsageError } from './args.js';
import type { CommandContext } from './context.js';
import { usageOf, type CommandSpec } from './spec.js';
import { operatorOf } from './users.js';

const ROLES = STAFF_ROLES.join('|');

/** `portico staff grant|revoke <username|email> <role>`: one spec per verb. */
function roleCommand(verb: 'grant' | 'revoke', summary: string): CommandSpec {
  const spec: CommandSpec = {
    path: ['staff', verb],
    args: `<username|email> ${ROLES}`,
    summary,
    details: [`Writes the audit event operator.staff_${verb} naming the operator.`],
    example: `portico staff ${verb} jsmith01 helpdesk`,
    database: true,
    async run(args: string[], ctx: CommandContext): Promise<number> {
      const [login, role, ...extra] = args;
      if (!login || !role || extra.length > 0 || login.startsWith('-')) throw new UsageError(usageOf(spec));
      if (!isStaffRole(role)) throw new UsageError(`unknown role "${role}" (${STAFF_ROLES.join(', ')})`);
      const db = await ctx.db();
      const account = await findForOperator(db, login);
      if (!account) {
        ctx.err(`no ID with username or email "${login}"`);
        return 1;
      }
      if (verb === 'grant') {
        const changed = await grantStaffRole(db, account, role, operatorOf(ctx));
        ctx.out(changed ? `${account.username} is now ${role}` : `${account.username} was already ${role}`);
      } else {
        const changed = await revokeStaffRole(db, account, role, operatorOf(ctx));
        ctx.out(changed ? `${account.username} is no longer ${role}` : `${account.username} was not ${role}`);
      }
      return 0;
    },
  };
  return spec;
}

export const staffList: CommandSpec = {
  path: ['staff', 'list'],
  summary: 'list the IDs with a staff role (who may use the help-desk console at /admin)',
  example: 'portico staff list',
  database: true,
  async run(args, ctx) {
    if (args.length > 0) throw new UsageError(usageOf(staffList));
    const grants = await listStaff(await ctx.db());
    if (grants.length === 0) ctx.out('no staff roles granted');
    for (const g of grants) ctx.out(`${g.username}\t${g.role}\tgranted ${g.grantedAt.toISOString()} by ${g.grantedBy}`);
    return 0;
  },
};

export const staffCommands: CommandSpec[] = [
  roleCommand('grant', 'give an ID a staff role: helpdesk (the help-desk console) or operator'),
  roleCommand('revoke', 'take a staff role away from an ID'),
  staffList,
];
