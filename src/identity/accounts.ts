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
}

/** The account a username or email names, without regard to case; a username match wins. */
export function selectAccountByLogin(db: Db, login: string) {
  const needle = login.trim().toLowerCase();
  return db
    .selectFrom('accounts')
    .selectAll()
    .where((eb) => eb.or([eb(sql`lower(username)`, '=', needle), eb(sql`lower(email)`, '=', needle)]))
    .orderBy(sql`lower(username) = ${needle}`, 'desc')
    .limit(1);
}

export async function findAccountByLogin(db: Db, login: string): Promise<Account | undefined> {
  return selectAccountByLogin(db, login).executeTakeFirst();
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
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * A right password: ends the run of failed passwords (identity/lockout.ts). The sign-in is not
 * complete yet (a second step may follow): recordCompletedSignIn marks that.
 */
export async function recordSignIn(db: Db, id: string, newPasswordHash?: string): Promise<void> {
  await db
    .updateTable('accounts')
    .set({
      failed_password_count: 0,
      updated_at: new Date(),
      ...(newPasswordHash ? { password_hash: newPasswordHash } : {}),
    })
    .where('id', '=', id)
    .execute();
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
