import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { AttemptsInFlight } from '../../src/identity/lockout.js';
import { checkAuthenticatorCode, confirmAuthenticatorApp, enrolmentSecret } from '../../src/identity/second-step/authenticator-app.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { startPostgres, type PostgresService } from '../support/servers.js';

/*
 * Wrong authenticator-app codes lock the ID as wrong passwords do (identity/lockout.ts, counter
 * 'code'), with the same exactness under concurrency: codes sent at once count as exactly the
 * limit, none past it is checked, and a right code sent alongside wrong ones is never refused
 * for them while they are in flight. On a PostgreSQL server (DATABASE_URL's, or one started
 * here), where requests race on several connections, not on PGlite's one; default policy.
 */

const STEP_MS = 30_000;
/** The code an app shows at `at`, computed by otplib as an app would. */
const codeAt = (secret: string, at: Date) => generateSync({ secret, epoch: Math.floor(at.getTime() / 1000) });
/** A six-digit code that is none of the three the check accepts at `at` (one step of drift either way). */
function wrongAt(secret: string, at: Date, n: number): string {
  const accepted = [-1, 0, 1].map((k) => codeAt(secret, new Date(at.getTime() + k * STEP_MS)));
  for (let i = n; ; i += 7919) {
    const code = String((Number(accepted[1]) + 100_003 + i) % 1_000_000).padStart(6, '0');
    if (!accepted.includes(code)) return code;
  }
}

let pgServer: PostgresService | undefined;
let portico: TestPortico;
beforeAll(async () => {
  if (!process.env.DATABASE_URL) pgServer = await startPostgres();
  portico = await startPortico(pgServer ? { databaseUrl: pgServer.url } : {});
});
afterAll(async () => {
  await portico?.stop();
  await pgServer?.stop();
});

const db = () => portico.server.database.db;
const policy = () => portico.config.policy;

/** A user with a confirmed app (confirmed at `at`, so codes of later steps are new). */
async function userWithApp(at: Date) {
  const user = await portico.createUser({ trustDevice: false });
  const secret = (await enrolmentSecret(db(), user.id))!;
  const confirmed = await confirmAuthenticatorApp(db(), (await findAccountById(db(), user.id))!, codeAt(secret, at), {}, at);
  if (!confirmed.ok) throw new Error('the app was not confirmed');
  return { ...user, secret, recoveryCodes: confirmed.recoveryCodes };
}

const check = (accountId: string, typed: string, at: Date) => checkAuthenticatorCode(db(), accountId, typed, policy(), {}, at);
const outcome = (result: Awaited<ReturnType<typeof check>>) => (result.ok ? 'ok' : result.reason);
const tally = (outcomes: string[]) => outcomes.reduce<Record<string, number>>((t, o) => ({ ...t, [o]: (t[o] ?? 0) + 1 }), {});

describe('wrong authenticator-app codes and the lock', () => {
  it('counts 10 wrong codes sent at once as exactly 5, locks the ID, and checks none past the fifth', async () => {
    expect(policy().lockout.max_failed_codes).toBe(5);
    const at = new Date();
    const user = await userWithApp(at);
    const later = new Date(at.getTime() + STEP_MS);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => check(user.id, wrongAt(user.secret, later, i), later)));
    // Four told "not correct", the fifth locks, the rest find the ID locked.
    expect(tally(results.map(outcome))).toEqual({ wrong: 4, id_locked: 6 });
    expect(await findAccountById(db(), user.id)).toMatchObject({ status: 'disabled', lock_reason: 'failed_codes', failed_code_count: 5 });
    const audit = await db().selectFrom('audit_events').select('action').where('account_id', '=', user.id).execute();
    expect(audit.filter((e) => e.action === 'second_step.app_failed')).toHaveLength(5);
    expect(audit.filter((e) => e.action === 'account.locked')).toHaveLength(1);

    // A right code afterwards is not checked: its step stays unused, and the answer is the lock.
    expect(await check(user.id, codeAt(user.secret, later), later)).toEqual({ ok: false, reason: 'id_locked' });
    const app = await db().selectFrom('authenticator_apps').select('last_used_step').where('account_id', '=', user.id).executeTakeFirstOrThrow();
    expect(Number(app.last_used_step)).toBe(Math.floor(at.getTime() / STEP_MS));
  });

  it('accepts a right code sent at once with four wrong ones, and the ID stays open', async () => {
    const at = new Date();
    const user = await userWithApp(at);
    const later = new Date(at.getTime() + STEP_MS);
    const codes = [...Array.from({ length: 4 }, (_, i) => wrongAt(user.secret, later, i)), codeAt(user.secret, later)];
    const results = await Promise.all(codes.map((code) => check(user.id, code, later)));
    expect(results.map(outcome)).toEqual(['wrong', 'wrong', 'wrong', 'wrong', 'ok']);
    const account = (await findAccountById(db(), user.id))!;
    expect(account.status).toBe('active');
    expect(account.failed_code_count).toBeLessThan(5);
    expect(account.code_in_flight).toBe(0);
  });

  it('counts recovery codes the same way: a right one alongside wrong ones is accepted, five wrong ones lock', async () => {
    const at = new Date();
    const user = await userWithApp(at);
    // Well-formed recovery codes, none of them issued (ten random letters or digits each).
    const wrongRecovery = (i: number) => 'abcd'[i % 4]!.repeat(5) + '-' + 'xyz2'[i % 4]!.repeat(5);
    const results = await Promise.all([0, 1, 2, 3].map(wrongRecovery).concat(user.recoveryCodes[1]!).map((code) => check(user.id, code, at)));
    expect(results.at(-1)).toEqual({ ok: true, recoveryCode: true });
    expect(results.slice(0, -1).map(outcome).every((o) => o === 'wrong')).toBe(true);
    expect((await findAccountById(db(), user.id))!.status).toBe('active');

    await db().updateTable('accounts').set({ failed_code_count: 0 }).where('id', '=', user.id).execute();
    const more = await Promise.all(Array.from({ length: 8 }, (_, i) => check(user.id, wrongRecovery(i), at)));
    expect(tally(more.map(outcome))).toEqual({ wrong: 4, id_locked: 4 });
    expect(await findAccountById(db(), user.id)).toMatchObject({ status: 'disabled', lock_reason: 'failed_codes', failed_code_count: 5 });
  });

  it('holds a right code back behind checks in flight ("try again", never the lock); a dead process\'s reservations lapse', async () => {
    const at = new Date();
    const user = await userWithApp(at);
    const later = new Date(at.getTime() + STEP_MS);
    // Five checks in flight, as a process that died mid-check would leave them.
    await db().updateTable('accounts').set({ code_in_flight: 5, code_in_flight_until: new Date(Date.now() + 30_000) }).where('id', '=', user.id).execute();
    await expect(check(user.id, codeAt(user.secret, later), later)).rejects.toBeInstanceOf(AttemptsInFlight);
    expect((await findAccountById(db(), user.id))!.status).toBe('active');
    await db().updateTable('accounts').set({ code_in_flight_until: new Date(Date.now() - 1000) }).where('id', '=', user.id).execute();
    expect(await check(user.id, codeAt(user.secret, later), later)).toEqual({ ok: true, recoveryCode: false });
    expect(await findAccountById(db(), user.id)).toMatchObject({ status: 'active', failed_code_count: 0, code_in_flight: 0 });
  });
});
