import { userInfo } from 'node:os';
import { z } from 'zod';
import { insertAccount, isUniqueViolation } from '../identity/accounts.js';
import { recordAudit } from '../identity/audit.js';
import { checkNewPassword } from '../identity/password-policy.js';
import { PasswordHasher } from '../identity/passwords.js';
import { parseFlags, UsageError } from './args.js';
import type { Command, CommandContext } from './context.js';
import { ADMIN_VERBS, usersAdmin } from './users-admin.js';
import { usersImport } from './users-import.js';

const usage = 'usage: portico users create --username U --email E --given-name G --family-name F [--password-stdin]';

const createFlags = {
  username: { type: 'string' },
  email: { type: 'string' },
  'given-name': { type: 'string' },
  'family-name': { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;

const emailSchema = z.email();

export interface NewUserArgs {
  username: string;
  email: string;
  givenName: string;
  familyName: string;
}

/** Checks the flags before anyone is asked for a password. */
export function parseCreateArgs(args: string[]): NewUserArgs {
  const flags = parseFlags(args, createFlags);
  const [username, email, givenName, familyName] = [flags.username, flags.email, flags['given-name'], flags['family-name']].map((v) => v?.trim());
  if (!username || !email || !givenName || !familyName) throw new UsageError(usage);
  if (/\s/.test(username)) throw new UsageError('--username: must not contain spaces');
  if (!emailSchema.safeParse(email).success) throw new UsageError(`--email: "${email}" is not an email address`);
  return { username, email, givenName, familyName };
}

/** True for `users create`, the only command that takes a password. */
export function takesPassword(argv: string[]): boolean {
  return argv[0] === 'users' && argv[1] === 'create';
}

export function operatorName(ctx: CommandContext): string {
  return ctx.operator ?? userInfo().username;
}

const create: Command = async (args, ctx) => {
  const user = parseCreateArgs(args);
  const password = ctx.stdinPassword;
  if (!password) throw new UsageError('no password: pipe it with --password-stdin, or run on a terminal');
  const broken = await checkNewPassword(ctx.config.policy.password, password, { username: user.username, email: user.email });
  if (broken) {
    ctx.err(`password refused: ${broken}`);
    return 1;
  }
  const passwordHash = await new PasswordHasher(ctx.config.policy.argon2).hash(password);
  const db = await ctx.db();
  try {
    // The audit event belongs to the change: both land or neither does.
    const account = await db.transaction().execute(async (trx) => {
      // An operator typed the address in, so it counts as verified.
      const created = await insertAccount(trx, { ...user, passwordHash, emailVerified: true });
      await recordAudit(trx, { action: 'account.created', actor: `operator:${operatorName(ctx)}`, accountId: created.id, details: { via: 'cli' } });
      return created;
    });
    ctx.out(`created ${account.username} (${account.id})`);
    return 0;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    ctx.err('an ID with this username or email address already exists');
    return 1;
  }
};

export const users: Command = async ([sub, ...rest], ctx) => {
  if (sub === 'create') return create(rest, ctx);
  if (sub === 'import') return usersImport(rest, ctx, operatorName(ctx));
  if (sub && sub in ADMIN_VERBS) return usersAdmin(sub, rest, ctx, operatorName(ctx));
  throw new UsageError('usage: portico users create|import|show|unlock|enable|disable|forget-devices|reset-security-questions ...; see portico help');
};
