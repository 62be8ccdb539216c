import { userInfo } from 'node:os';
import { z } from 'zod';
import { declaredAccountType } from '../identity/account-admin.js';
import type { Operator } from '../identity/audit.js';
import { createAccountByOperator, INVITATION_HOURS, operatorInputProblems } from '../identity/invitation.js';
import { checkNewPassword } from '../identity/password-policy.js';
import { isOrgRole, ORG_ROLES, type OrgRole } from '../identity/organizations/roles.js';
import { translator } from '../i18n/index.js';
import { PasswordHasher } from '../identity/passwords.js';
import { parseFlags, UsageError } from './args.js';
import type { CommandContext } from './context.js';
import { usageOf, type CommandSpec } from './spec.js';

const createFlags = {
  username: { type: 'string' },
  email: { type: 'string' },
  'given-name': { type: 'string' },
  'family-name': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  type: { type: 'string' },
  organization: { type: 'string' },
  role: { type: 'string' },
} as const;

const emailSchema = z.email();

export interface NewUserArgs {
  username: string;
  email: string;
  givenName: string;
  familyName: string;
  /** An account type of the policy; member when not given. */
  accountType?: string;
  /** An approved organisation the new ID joins, with this role (member when not given). */
  organization?: { id: string; role: OrgRole };
}

/** Checks the flags before anyone is asked for a password. */
export function parseCreateArgs(args: string[]): NewUserArgs {
  const flags = parseFlags(args, createFlags);
  const [username, email, givenName, familyName, accountType] = [flags.username, flags.email, flags['given-name'], flags['family-name'], flags.type].map((v) => v?.trim());
  if (!username || !email || !givenName || !familyName) throw new UsageError(usageOf(usersCreate));
  if (/\s/.test(username)) throw new UsageError('--username: must not contain spaces');
  if (!emailSchema.safeParse(email).success) throw new UsageError(`--email: "${email}" is not an email address`);
  const organization = flags.organization?.trim();
  const role = flags.role?.trim() ?? 'member';
  if (flags.role !== undefined && !organization) throw new UsageError('--role: only with --organization');
  if (!isOrgRole(role)) throw new UsageError(`--role: unknown role "${role}" (${ORG_ROLES.join(', ')})`);
  return { username, email, givenName, familyName, ...(accountType ? { accountType } : {}), ...(organization ? { organization: { id: organization, role } } : {}) };
}

/** The operator for the audit log: as the server verified it, else this process's OS user. */
export function operatorOf(ctx: CommandContext): Operator {
  if (typeof ctx.operator === 'string') return { name: ctx.operator };
  return ctx.operator ?? { name: userInfo().username };
}

export const usersCreate: CommandSpec = {
  path: ['users', 'create'],
  args: '--username U --email E --given-name G --family-name F [--type T] [--organization ID [--role R]] [--password-stdin]',
  summary: 'create an ID, and mail it a link to set its password',
  details: [
    `Without --password-stdin the ID has no usable password: a mail to the address carries a single-use link, valid ${INVITATION_HOURS} hours, to choose one; using it proves the address.`,
    'With --password-stdin the password comes from stdin and must meet the policy; the address then counts as verified.',
  ],
  options: [
    ['--username U', 'the sign-in name, without spaces'],
    ['--email E', 'the email address'],
    ['--given-name G', 'given name'],
    ['--family-name F', 'family name'],
    ['--type T', 'an account type the policy declares (default member)'],
    ['--organization ID', 'an approved organisation (portico orgs list) the ID joins'],
    ['--role R', `its role there: ${ORG_ROLES.join(' or ')} (default member)`],
    ['--password-stdin', 'read the password from stdin (one trailing newline is dropped) instead of mailing a link'],
  ],
  example: "echo 'Correct7Horse' | portico users create --username jsmith01 --email j.smith@example.com --given-name Jane --family-name Smith --password-stdin",
  database: true,
  password: true,
  checkArgs: parseCreateArgs,
  async run(args, ctx) {
    const user = parseCreateArgs(args);
    const types = ctx.config.policy.account_types;
    if (user.accountType && !declaredAccountType(types, user.accountType)) {
      ctx.err(`--type: unknown account type "${user.accountType}" (declared in account_types: ${types.map((t) => t.id).join(', ')})`);
      return 1;
    }
    const broken = operatorInputProblems(ctx.config.policy, user)[0];
    if (broken) {
      ctx.err(`--${broken.field.replace('_', '-')}: ${translator('en').msg(broken.message)}`);
      return 1;
    }
    const invite = !args.includes('--password-stdin');
    const hasher = new PasswordHasher(ctx.config.policy.argon2);
    const passwordHash = invite ? undefined : await checkedPasswordHash(ctx, user, hasher);
    if (!invite && passwordHash === undefined) return 1;
    const db = await ctx.db();
    if (user.organization && (await db.selectFrom('organizations').select('status').where('id', '=', user.organization.id).executeTakeFirst())?.status !== 'approved') {
      ctx.err(`--organization: no approved organisation with id "${user.organization.id}"`);
      return 1;
    }
    const account = await createAccountByOperator(db, user, { passwordHash, hasher, issuer: ctx.config.issuer, operator: operatorOf(ctx), via: 'cli', organization: user.organization });
    if (account === 'taken') {
      ctx.err('an ID with this username or email address already exists');
      return 1;
    }
    const joined = user.organization ? `; member of ${user.organization.id} as ${user.organization.role}` : '';
    ctx.out(`created ${account.username} (${account.id})${joined}${invite ? `; a link to set a password was mailed to ${account.email}` : ''}`);
    return 0;
  },
};

/** The password piped in, hashed once it meets the policy; undefined (said why) when it does not. */
async function checkedPasswordHash(ctx: CommandContext, user: NewUserArgs, hasher: PasswordHasher): Promise<string | undefined> {
  const password = ctx.stdinPassword;
  if (!password) throw new UsageError('no password on stdin (leave out --password-stdin to mail a link to set one)');
  const broken = await checkNewPassword(ctx.config.policy.password, password, { username: user.username, email: user.email });
  if (broken) {
    // An operator's terminal: the rule broken, worded in English.
    ctx.err(`password refused: ${translator('en').msg(broken)}`);
    return undefined;
  }
  return hasher.hash(password);
}
