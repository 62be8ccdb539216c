import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAccount } from '../../src/identity/accounts.js';
import { translator } from '../../src/i18n/index.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import type { DatabaseHandle } from '../../src/storage/database.js';
import { clients } from '../support/portico.js';
import { killablePortico, type KillablePortico, type PorticoProcess } from '../support/portico-process.js';
import { hiddenInput, UserAgent } from '../support/user-agent.js';
import { waitUntil } from '../support/wait.js';

/*
 * A Portico process killed (SIGKILL: no handler runs) in the middle of a
 * registration or a password reset leaves no half-written account. Portico runs as its own
 * process on its own PostgreSQL; requests are cut off at spread-out moments, from before the
 * request is read to after the answer, and after a restart every account is either whole or
 * absent. Killing the process is what an OOM kill, a node failure or `kill -9` do.
 */

const ROUNDS = 8;
/** Registrations in flight at each kill: their transactions commit at different moments. */
const REGISTRATIONS_PER_ROUND = 3;
const NEW_PASSWORD = 'Fresh8Meadow';
const OLD_PASSWORD = 'Correct7Horse';

let killable: KillablePortico;
let database: DatabaseHandle;
let portico: PorticoProcess | undefined;
const hasher = new PasswordHasher({ memory_kib: 19456, time_cost: 2, parallelism: 1 });

// Every request here comes from one address: the per-address limits would otherwise stop the test.
const generous = { per_ip: { points: 10_000 }, per_account: { points: 10_000 } };

beforeAll(async () => {
  killable = await killablePortico({
    clients: [{ client_id: clients.service.id, client_name: 'Service C', client_secret: clients.service.secret, redirect_uris: [], response_types: [], grant_types: ['client_credentials'] }],
    policy: { rate_limits: { registration: generous, recovery: generous, codes: generous } },
  });
  database = killable.database;
});

afterAll(async () => {
  await killable?.close(portico);
});

/** `npm start`'s entry point as its own process, on the same port and database every time. */
const startProcess = () => killable.start();

type Outcome = { status: number; html: string } | 'cut off';

/** Sends a form; a request cut off by the kill is an outcome too. */
async function post(agent: UserAgent, url: string, form: Record<string, string>): Promise<Outcome> {
  try {
    const response = await agent.request(url, { form });
    return { status: response.status, html: await response.text() };
  } catch {
    return 'cut off';
  }
}

let counter = 0;
function registrationForm(): Record<string, string> {
  const n = `${Date.now().toString(36)}${++counter}`;
  return {
    givenName: 'Kim', familyName: 'Killed', birthYear: '1975',
    email: `kim.${n}@example.com`, username: `kim${n}`,
    password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour',
    question1: 'first_pet', answer1: 'Rex the dog', question2: 'birth_city', answer2: 'Duluth',
    terms: 'yes',
  };
}

interface Registration {
  form: Record<string, string>;
  outcome?: Outcome;
  /** Posts the form (again): the same browser, page and CSRF token. */
  submit(): Promise<Outcome>;
}

/** A browser on the "Create an ID" page, ready to submit. */
async function openRegistration(p: PorticoProcess) {
  const agent = new UserAgent('http://127.0.0.1:9');
  const page = await agent.follow(`${p.url}/register`);
  const form = registrationForm();
  const csrf = hiddenInput(page.html!, 'csrf')!;
  const registration: Registration = { form, submit: () => post(agent, `${p.url}/register`, { ...form, csrf }) };
  return { registration, submit: async () => (registration.outcome = await registration.submit()) };
}

interface Reset {
  accountId: string;
  email: string;
  oldHash: string;
  outcome?: Outcome;
  submit(): Promise<Outcome>;
}

/** An account whose owner has proved who they are and now sees "Choose a new password". */
async function openReset(p: PorticoProcess) {
  const n = `${Date.now().toString(36)}${++counter}`;
  const oldHash = await hasher.hash(OLD_PASSWORD);
  const account = await insertAccount(database.db, { username: `pat${n}`, email: `pat.${n}@example.com`, givenName: 'Pat', familyName: 'Reset', passwordHash: oldHash, emailVerified: true });
  const agent = new UserAgent('http://127.0.0.1:9');
  const start = await agent.follow(`${p.url}/recover/password`);
  const codePage = await agent.follow(`${p.url}/recover/password`, { form: { csrf: hiddenInput(start.html!, 'csrf')!, login: account.username } });
  const mail = await database.db.selectFrom('mail_outbox').select('text_body').where('account_id', '=', account.id).where('template', '=', 'recovery-code').executeTakeFirstOrThrow();
  const code = /^(\d{10})$/m.exec(mail.text_body)![1]!;
  const newPage = await agent.follow(`${p.url}/recover/password/code`, { form: { csrf: hiddenInput(codePage.html!, 'csrf')!, code } });
  expect(newPage.url).toBe(`${p.url}/recover/password/new`);
  const form = { csrf: hiddenInput(newPage.html!, 'csrf')!, password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD };
  const reset: Reset = { accountId: account.id, email: account.email, oldHash, submit: () => post(agent, `${p.url}/recover/password/new`, form) };
  return { reset, submit: async () => (reset.outcome = await reset.submit()) };
}

/** One registration's rows: all of them, or none. */
async function registrationState(form: Record<string, string>): Promise<'whole' | 'absent' | string> {
  const db = database.db;
  const account = await db.selectFrom('accounts').selectAll().where(sql`lower(username)`, '=', form.username!.toLowerCase()).executeTakeFirst();
  const byEmail = await db.selectFrom('accounts').select('id').where(sql`lower(email)`, '=', form.email!.toLowerCase()).executeTakeFirst();
  if (!account) return byEmail ? 'email taken without the username' : 'absent';
  const count = async (query: Promise<{ n: string | number | bigint }>) => Number((await query).n);
  const parts = {
    answers: await count(db.selectFrom('security_answers').select(db.fn.countAll().as('n')).where('account_id', '=', account.id).executeTakeFirstOrThrow()),
    codes: await count(db.selectFrom('one_time_codes').select(db.fn.countAll().as('n')).where('account_id', '=', account.id).where('purpose', '=', 'verify_email').executeTakeFirstOrThrow()),
    mails: await count(db.selectFrom('mail_outbox').select(db.fn.countAll().as('n')).where('account_id', '=', account.id).where('template', '=', 'verify-email').executeTakeFirstOrThrow()),
    flows: await count(db.selectFrom('flows').select(db.fn.countAll().as('n')).where('kind', '=', 'verification').where('account_id', '=', account.id).executeTakeFirstOrThrow()),
    audit: await count(db.selectFrom('audit_events').select(db.fn.countAll().as('n')).where('account_id', '=', account.id).where('action', 'in', ['account.registered', 'verification.sent']).executeTakeFirstOrThrow()),
  };
  // No answers: security questions are enrolled once the address is verified.
  const whole = account.terms_version !== null && parts.answers === 0 && parts.codes === 1 && parts.mails === 1 && parts.flows === 1 && parts.audit === 2;
  return whole ? 'whole' : `half-written: ${JSON.stringify({ ...parts, terms: account.terms_version })}`;
}

/** One reset: new password, every session ended, the owner told, all recorded; or none of it. */
async function resetState(reset: Reset): Promise<'done' | 'not done' | string> {
  const db = database.db;
  const account = await db.selectFrom('accounts').selectAll().where('id', '=', reset.accountId).executeTakeFirstOrThrow();
  const mails = await db.selectFrom('mail_outbox').select('id').where('account_id', '=', reset.accountId).where('template', '=', 'password-changed').execute();
  const audit = await db.selectFrom('audit_events').select('id').where('account_id', '=', reset.accountId).where('action', '=', 'password.changed').execute();
  const changed = account.password_hash !== reset.oldHash;
  const facts = { changed, newPasswordWorks: changed && (await hasher.verify(account.password_hash, NEW_PASSWORD)), sessionsEnded: account.sessions_valid_after !== null, mails: mails.length, audit: audit.length };
  if (facts.changed && facts.newPasswordWorks && facts.sessionsEnded && facts.mails === 1 && facts.audit === 1) return 'done';
  if (!facts.changed && !facts.sessionsEnded && facts.mails === 0 && facts.audit === 0) return 'not done';
  return `half-written: ${JSON.stringify(facts)}`;
}

describe('SIGKILL in the middle of a write', () => {
  it('leaves every registration and password reset whole or absent, and the person can finish after the restart', { timeout: 150_000 }, async () => {
    const registrations: Registration[] = [];
    const resets: Reset[] = [];
    portico = await startProcess();

    // A round nobody kills: how long the writes take here, so the kills land across that span.
    const warmUp = await Promise.all([...Array.from({ length: REGISTRATIONS_PER_ROUND }, () => openRegistration(portico!)), openReset(portico)]);
    const started = Date.now();
    const times = await Promise.all(warmUp.map(async (w) => (await w.submit(), Date.now() - started)));
    expect(warmUp.map((w) => ('registration' in w ? w.registration.outcome : w.reset.outcome)).map((o) => (o === 'cut off' ? o : o!.status))).toEqual([303, 303, 303, 200]);
    registrations.push(...warmUp.flatMap((w) => ('registration' in w ? [w.registration] : [])));
    resets.push(...warmUp.flatMap((w) => ('reset' in w ? [w.reset] : [])));
    const span = Math.max(...times) * 1.2;

    // A kill certainly inside both transactions: the test holds the outbox, so each has written
    // its first rows and waits to queue its mail when the process dies.
    {
      const registration = await openRegistration(portico);
      const reset = await openReset(portico);
      const lock = new pg.Client({ connectionString: killable.pgUrl });
      await lock.connect();
      try {
        await lock.query('begin');
        await lock.query('lock table mail_outbox in exclusive mode');
        const inFlight = [registration.submit(), reset.submit()];
        await waitUntil('both writes to wait for the outbox', async () => {
          // From another connection: inside a transaction pg_stat_activity is a snapshot.
          const { rows } = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike 'insert into "mail_outbox"%'`.execute(database.db);
          return Number(rows[0]!.n) === 2;
        });
        await portico.stop('SIGKILL');
        await lock.query('rollback');
        expect(await Promise.all(inFlight)).toEqual(['cut off', 'cut off']);
      } finally {
        await lock.end();
      }
      expect(await registrationState(registration.registration.form)).toBe('absent');
      expect(await resetState(reset.reset)).toBe('not done');
      registrations.push(registration.registration);
      resets.push(reset.reset);
      portico = await startProcess();
    }

    for (let round = 0; round < ROUNDS; round++) {
      const pending = await Promise.all(Array.from({ length: REGISTRATIONS_PER_ROUND }, () => openRegistration(portico!)));
      const reset = await openReset(portico);
      registrations.push(...pending.map((p) => p.registration));
      resets.push(reset.reset);
      // Spread from "not yet read" to past "answered", in a shuffled order.
      const delay = Math.round((0.1 + 1.4 * (((round * 5) % ROUNDS) / (ROUNDS - 1))) * span);
      const inFlight = [...pending.map((p) => p.submit()), reset.submit()];
      await new Promise((resolve) => setTimeout(resolve, delay));
      await portico.stop('SIGKILL');
      await Promise.all(inFlight);
      portico = await startProcess();
    }

    // Every request either got its usual answer or none at all: a dying process answers no 500.
    const unexpected = (outcomes: Array<Outcome | undefined>, usual: number) => outcomes.filter((o) => o !== 'cut off' && o!.status !== usual);
    expect(unexpected(registrations.map((r) => r.outcome), 303)).toEqual([]);
    expect(unexpected(resets.map((r) => r.outcome), 200)).toEqual([]);
    const states = await Promise.all(registrations.map((r) => registrationState(r.form)));
    for (const [i, state] of states.entries()) {
      expect(state, registrations[i]!.form.username).toMatch(/^(whole|absent)$/);
      // "Check your email" was shown: the ID and its verification mail exist.
      if (registrations[i]!.outcome !== 'cut off') expect(state).toBe('whole');
    }
    const resetStates = await Promise.all(resets.map(resetState));
    for (const [i, state] of resetStates.entries()) {
      expect(state, resets[i]!.accountId).toMatch(/^(done|not done)$/);
      if (resets[i]!.outcome !== 'cut off') expect(state).toBe('done');
    }
    // After the restart the person whose answer never came presses the button again: what did
    // not happen happens now; an ID that was created finds its username taken.
    for (const [i, registration] of registrations.entries()) {
      if (registration.outcome !== 'cut off') continue;
      const again = await registration.submit();
      if (states[i] === 'whole') {
        expect(again).toMatchObject({ status: 400, html: expect.stringContaining(translator('en').t('username.taken')) });
      } else {
        expect(again).toMatchObject({ status: 303 });
        expect(await registrationState(registration.form)).toBe('whole');
      }
    }
    for (const [i, reset] of resets.entries()) {
      if (reset.outcome !== 'cut off' || resetStates[i] !== 'not done') continue;
      expect(await reset.submit()).toMatchObject({ status: 200, html: expect.stringContaining('Your password was changed') });
      expect(await resetState(reset)).toBe('done');
    }
  });
});
