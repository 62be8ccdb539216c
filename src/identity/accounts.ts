import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';

export type { Account };

export interface NewAccountInput {
  username: string;
  email: string;
  givenName: string;
  familyName: string;
  passwordHash: string;
  birthYear?: number | null;
  emailVerified?: boolean;
  /** A declared type (policy account_types); the column's default, member, when absent. */
  accountType?: string;
}

/**
 * The account a username or email names, without regard to case; a username match wins, then
 * the ID that verified the address, then the newest of the pending IDs that typed it. Sign-in
 * (`pendingByEmail` false) takes an address only from the ID that verified it: a pending ID
 * signs in with its username, or signing in with an address and the password chosen in a
 * registration would tell whether another ID owns that address (the waiting page, or not).
 */
export function selectAccountByLogin(db: Db, login: string, options: { pendingByEmail?: boolean } = {}) {
  const needle = login.trim().toLowerCase();
  return db
    .selectFrom('accounts')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb(sql`lower(username)`, '=', needle),
        options.pendingByEmail ? eb(sql`lower(email)`, '=', needle) : eb.and([eb(sql`lower(email)`, '=', needle), eb('email_verified_at', 'is not', null)]),
      ]),
    )
    .orderBy(sql`lower(username) = ${needle}`, 'desc')
    .orderBy(sql`email_verified_at is not null`, 'desc')
    .orderBy('created_at', 'desc')
    .limit(1);
}

/** For recovery and operators: a pending ID is found by its address too. */
export async function findAccountByLogin(db: Db, login: string): Promise<Account | undefined> {
  return selectAccountByLogin(db, login, { pendingByEmail: true }).executeTakeFirst();
}

export function findAccountById(db: Db, id: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function isUsernameTaken(db: Db, username: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where(sql`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
}

export async function isEmailTaken(db: Db, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
}

/** Inserts an account; the unique indexes decide races (see isUniqueViolation). */
export async function insertAccount(db: Db, input: NewAccountInput): Promise<Account> {
  return db
    .insertInto('accounts')
    .values({
      id: randomUUID(),
      username: input.username,
      email: input.email,
      given_name: input.givenName,
      family_name: input.familyName,
      password_hash: input.passwordHash,
      birth_year: input.birthYear ?? null,
      email_verified_at: input.emailVerified ? new Date() : null,
      ...(input.accountType ? { account_type: input.accountType } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The end of every sign-in chain, whichever way it came (password and second step, a
 * remembered device, the email verified right after registering): what "last sign-in" means.
 */
export async function recordCompletedSignIn(db: Db, id: string): Promise<void> {
  await db.updateTable('accounts').set({ last_sign_in_at: new Date() }).where('id', '=', id).execute();
}

/** PostgreSQL's unique_violation (SQLSTATE 23505), from pg or PGlite. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505';
}
