import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { insertAccount, isUniqueViolation } from '../identity/accounts.js';
import { recordAudit } from '../identity/audit.js';
import { checkPassword } from '../identity/password-policy.js';
import { PasswordHasher } from '../identity/passwords.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';

const createOptions = {
  username: { type: 'string' },
  email: { type: 'string' },
  'given-name': { type: 'string' },
  'family-name': { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;

const create: Command = async (args, ctx) => {
  const { values } = parseArgs({ args, options: createOptions });
  const { username, email } = values;
  const givenName = values['given-name'];
  const familyName = values['family-name'];
  if (!username || !email || !givenName || !familyName) {
    throw new UsageError('usage: portico users create --username U --email E --given-name G --family-name F [--password-stdin]');
  }
  const password = await ctx.readPassword();
  if (!password) throw new UsageError('no password: pipe it with --password-stdin, or run on a terminal');
  const broken = checkPassword(ctx.config.policy.password, password, { username, email });
  if (broken) {
    ctx.err(`password refused: ${broken}`);
    return 1;
  }
  const db = await ctx.db();
  const passwordHash = await new PasswordHasher(ctx.config.policy.argon2).hash(password);
  try {
    await db.transaction().execute(async (trx) => {
      const account = await insertAccount(trx, { username, email, givenName, familyName, passwordHash, emailVerified: true });
      await recordAudit(trx, { action: 'account.created', actor: `operator:${userInfo().username}`, accountId: account.id, details: { via: 'cli' } });
      ctx.out(`created ${account.username} (${account.id})`);
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    ctx.err('an ID with this username or email address already exists');
    return 1;
  }
  return 0;
};

export const users: Command = async ([sub, ...rest], ctx) => {
  if (sub === 'create') return create(rest, ctx);
  throw new UsageError('usage: portico users create --username U --email E --given-name G --family-name F [--password-stdin]');
};
