import { existsSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { purgeExpiredVerification } from '../../src/identity/expired-records.js';
import { issueCode, verifyCode } from '../../src/identity/one-time-codes.js';
import { registerAccount } from '../../src/identity/registration/register-account.js';
import { migrations } from '../../migrations/index.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import { mailLinks } from '../../src/flows/verify-email/context.js';
import type { Db } from '../../src/storage/database.js';
import { portalOrigin, usePortico, NO_REGISTRATION_LIMIT, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput } from '../support/user-agent.js';

/*
 * Registration through the app: the form and its rules, duplicate username and email, the code and
 * link with their expiry, single use and wrong-try limit, throttled resends, a different
 * address, races, and the journey from a portal back to it with email_verified: true.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)), NO_REGISTRATION_LIMIT);

let counter = 0;
function unique(): string {
  return `${Date.now().toString(36)}${++counter}`;
}

function validForm(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const n = unique();
  const form: Record<string, string | undefined> = {
    givenName: 'Jane',
    familyName: 'Smith',
    birthYear: '1980',
    email: `jane.${n}@example.com`,
    username: `jane${n}`,
    password: 'Bright7Harbour',
    confirmPassword: 'Bright7Harbour',
    terms: 'yes',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
}

type Agent = ReturnType<typeof request.agent>;

async function csrfOf(agent: Agent, path: string): Promise<string> {
  const page = await agent.get(path).expect(200);
  return hiddenInput(page.text, 'csrf')!;
}

async function register(agent: Agent, form: Record<string, string>) {
  const csrf = await csrfOf(agent, '/register');
  return agent.post('/register').type('form').send({ ...form, csrf });
}

async function registered(form = validForm()) {
  const agent = request.agent(portico.url);
  const response = await register(agent, form);
  expect(response.status).toBe(303);
  expect(response.headers.location).toBe('/verify-email');
  return { agent, form };
}

async function latestMail(to: string, template: string) {
  return db
    .selectFrom('mail_outbox')
    .selectAll()
    .where(sql`lower(to_address)`, '=', to.toLowerCase())
    .where('template', '=', template)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

async function mailedSecrets(to: string) {
  const mail = await latestMail(to, 'verify-email');
  if (!mail) throw new Error(`no verify-email mail to ${to}`);
  return {
    code: /^(\d{10})$/m.exec(mail.text_body)![1]!,
    token: /\/verify-email\/confirm\?token=([A-Za-z0-9_-]{43})/.exec(mail.text_body)![1]!,
  };
}

async function submitCode(agent: Agent, code: string, base = '/verify-email') {
  const csrf = await csrfOf(agent, base);
  return agent.post(base).type('form').send({ csrf, code });
}

async function resend(agent: Agent) {
  const csrf = await csrfOf(agent, '/verify-email');
  return agent.post('/verify-email/resend').type('form').send({ csrf });
}

function accountByUsername(username: string) {
  return db.selectFrom('accounts').selectAll().where(sql`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();
}

async function auditActions(accountId: string): Promise<string[]> {
  const rows = await db.selectFrom('audit_events').select('action').where('account_id', '=', accountId).orderBy('id').execute();
  return rows.map((r) => r.action);
}

/** Moves an account's newest verification code back in time, as if `seconds` had passed. */
async function ageLatestCode(accountId: string, seconds: number, options: { expire?: boolean } = {}) {
  const latest = await db.selectFrom('one_time_codes').select('id').where('account_id', '=', accountId).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  await db
    .updateTable('one_time_codes')
    .set({
      created_at: sql`created_at - make_interval(secs => ${seconds})`,
      ...(options.expire ? { expires_at: sql`now() - interval '1 second'` } : {}),
    })
    .where('id', '=', latest.id)
    .execute();
}

function fieldError(html: string, field: string): string | undefined {
  return new RegExp(`id="${field}-error">([^<]*)<`).exec(html)?.[1];
}

describe('the registration form', () => {
  it('shows the rules beside the fields and links the sign-in page to it', async () => {
    const page = await request(portico.url).get('/register').expect(200);
    expect(page.text).toContain('Your username must have:');
    expect(page.text).toContain('6 to 50 characters');
    expect(page.text).toContain('No letters with accents');
    expect(page.text).toContain('Between 8 and 100 characters');
    expect(page.text).toContain('No spaces and no &amp; symbol');
    // Security questions come after the address is verified (the enrol step), not here.
    expect(page.text).not.toContain('Security question');
    expect(page.text).toContain('href="/terms"');
    // On its own the page has no Cancel to select, so the words do not send the person to one.
    expect(page.text).not.toContain('Cancel');
    expect(page.text).toContain('If you do not agree, leave this page');
    const spanish = await request(portico.url).get('/register').set('accept-language', 'es').expect(200);
    expect(spanish.text).toContain('<html lang="es">');
    expect(spanish.text).not.toContain('Cancelar');
    expect(spanish.text).toContain('Si no está de acuerdo, salga de esta página');
    // Terms without require_signature ask for no typed name.
    expect(page.text).not.toContain('name="signature"');
  });

  const broken: Array<[string, Record<string, string | undefined>, string, RegExp]> = [
    ['first name', { givenName: '' }, 'givenName', /Enter your first name/],
    ['last name', { familyName: '' }, 'familyName', /Enter your last name/],
    ['year of birth', { birthYear: '19801' }, 'birthYear', /four digits/],
    ['minimum age', { birthYear: String(new Date().getUTCFullYear() - 5) }, 'birthYear', /at least 13 years old/],
    ['email', { email: 'not-an-address' }, 'email', /like name@example\.com/],
    ['username length', { username: 'abc12' }, 'username', /6 to 50 characters/],
    ['username letter', { username: '1234567' }, 'username', /at least one letter/],
    ['username space', { username: 'jane smith' }, 'username', /spaces/],
    ['username accent', { username: 'renée2024' }, 'username', /accents/],
    ['username symbol', { username: 'jane#smith' }, 'username', /symbol #/],
    ['password rules', { password: 'brightharbour', confirmPassword: 'brightharbour' }, 'password', /upper-case/],
    ['password &', { password: 'Bright7&Harbour', confirmPassword: 'Bright7&Harbour' }, 'password', /&/],
    ['common password', { password: 'Password1', confirmPassword: 'Password1' }, 'password', /too common/],
    ['confirmation', { confirmPassword: 'Bright7Harbor' }, 'confirmPassword', /do not match/],
    ['name', { givenName: 'Jane. URGENT: call +1 900 555 0100' }, 'givenName', /only letters, spaces, hyphens/],
    ['terms', { terms: undefined }, 'terms', /agree to the Terms of Use/],
  ];

  it.each(broken)('refuses a broken %s rule beside its field and keeps the other values', async (_rule, change, field, message) => {
    const form = validForm(change);
    const page = await register(request.agent(portico.url), form);
    expect(page.status).toBe(400);
    expect(fieldError(page.text, field)).toMatch(message);
    expect(page.text).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
    expect(page.text).toContain('Check the fields marked below.');
    for (const kept of ['givenName', 'familyName', 'birthYear', 'email', 'username'] as const) {
      if (kept !== field && form[kept]) expect(page.text).toContain(`value="${form[kept]}"`);
    }
    if (field !== 'terms') expect(page.text).toMatch(/id="terms"[^>]*checked/);
    // Passwords are never sent back.
    for (const secret of [form.password, form.confirmPassword]) {
      if (secret) expect(page.text).not.toContain(secret);
    }
    expect(await accountByUsername(form.username!)).toBeUndefined();
  });

  it('refuses a post without the form token', async () => {
    const response = await request(portico.url).post('/register').type('form').send(validForm());
    expect(response.status).toBe(403);
  });
});

describe('a new registration', () => {
  it('stores an unverified account with its password only, its terms, code and mail in one go', async () => {
    // Answers posted anyway are not enrolled: before the address is verified, the ID holds no other credential.
    const { form } = await registered(validForm({ question1: 'first_pet', answer1: 'Rex the dog', question2: 'birth_city', answer2: 'Duluth' }));
    const account = (await accountByUsername(form.username!))!;
    expect(account).toMatchObject({ email: form.email, given_name: 'Jane', family_name: 'Smith', birth_year: 1980, email_verified_at: null, terms_version: '2025-01' });
    expect(account.terms_accepted_at).toBeInstanceOf(Date);
    expect(account.terms_signature).toBeNull();
    expect(await db.selectFrom('security_answers').selectAll().where('account_id', '=', account.id).execute()).toEqual([]);
    const codes = await db.selectFrom('one_time_codes').selectAll().where('account_id', '=', account.id).execute();
    expect(codes).toHaveLength(1);
    const { code, token } = await mailedSecrets(form.email!);
    expect(codes[0]!.code_hash).not.toContain(code);
    expect(codes[0]!.link_token_hash).not.toContain(token);
    expect(codes[0]).toMatchObject({ purpose: 'verify_email', destination: form.email, attempts: 0, max_attempts: 5 });
    expect(await auditActions(account.id)).toEqual(['account.registered', 'verification.sent']);
  });

  it('verifies the email with the 10-digit code and says the ID is ready', async () => {
    const { agent, form } = await registered();
    const waiting = await agent.get('/verify-email').expect(200);
    expect(waiting.text).toContain(form.email);
    expect(waiting.text).toContain('10-digit activation code');
    const { code } = await mailedSecrets(form.email!);
    const done = await submitCode(agent, code.replace(/(\d{5})/, '$1 '));
    expect(done.status).toBe(200);
    expect(done.text).toContain('Email address verified');
    expect(done.text).toContain('ID is ready to use');
    const account = (await accountByUsername(form.username!))!;
    expect(account.email_verified_at).toBeInstanceOf(Date);
    expect(await auditActions(account.id)).toContain('email.verified');
    // Single use: the same code again is refused.
    expect(await verifyCode(db, account.id, 'verify_email', code)).toMatchObject({ ok: false, reason: 'used' });
  });

  it('verifies with the link: GET only asks to confirm, POST uses it, and only once', async () => {
    const { form } = await registered();
    const { token } = await mailedSecrets(form.email!);
    const elsewhere = request.agent(portico.url);
    const confirm = await elsewhere.get(`/verify-email/confirm?token=${token}`).expect(200);
    expect(confirm.text).toContain('Confirm my email address');
    expect((await accountByUsername(form.username!))!.email_verified_at).toBeNull();
    const csrf = hiddenInput(confirm.text, 'csrf')!;
    // Another browser than the one that registered: the ID's password too.
    const done = await elsewhere.post('/verify-email/confirm').type('form').send({ token, csrf, password: form.password });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Email address verified');
    expect((await accountByUsername(form.username!))!.email_verified_at).toBeInstanceOf(Date);
    const again = await elsewhere.post('/verify-email/confirm').type('form').send({ token, csrf, password: form.password });
    expect(again.status).toBe(400);
    expect(again.text).toContain('already been used');
    expect((await elsewhere.get('/verify-email/confirm?token=not-a-token').expect(400)).text).toContain('not valid');
  });

  it('refuses an expired code and an expired link', async () => {
    const { agent, form } = await registered();
    const account = (await accountByUsername(form.username!))!;
    const { code, token } = await mailedSecrets(form.email!);
    await ageLatestCode(account.id, 0, { expire: true });
    const refused = await submitCode(agent, code);
    expect(refused.status).toBe(400);
    expect(fieldError(refused.text, 'code')).toMatch(/expired/);
    expect((await agent.get(`/verify-email/confirm?token=${token}`).expect(400)).text).toContain('expired');
    expect((await accountByUsername(form.username!))!.email_verified_at).toBeNull();
  });

  it('allows five wrong tries per code and refuses the sixth, even with the right code', async () => {
    const { agent, form } = await registered();
    const account = (await accountByUsername(form.username!))!;
    const { code, token } = await mailedSecrets(form.email!);
    const wrong = code === '0000000000' ? '1111111111' : '0000000000';
    for (let left = 4; left >= 0; left--) {
      const page = await submitCode(agent, wrong);
      expect(page.status).toBe(400);
      expect(fieldError(page.text, 'code')).toMatch(left > 0 ? new RegExp(`try ${left} more time`) : /last try/);
    }
    const sixth = await submitCode(agent, code);
    expect(sixth.status).toBe(400);
    expect(fieldError(sixth.text, 'code')).toMatch(/too many times/);
    expect((await accountByUsername(form.username!))!.email_verified_at).toBeNull();
    const failures = (await auditActions(account.id)).filter((a) => a === 'verification.code_failed');
    expect(failures).toHaveLength(6);
    // The link is a 256-bit secret, not a guess: it still works.
    const confirm = await agent.get(`/verify-email/confirm?token=${token}`).expect(200);
    await agent.post('/verify-email/confirm').type('form').send({ token, csrf: hiddenInput(confirm.text, 'csrf') }).expect(200);
    expect((await accountByUsername(form.username!))!.email_verified_at).toBeInstanceOf(Date);
  });

  it('throttles "Resend email", then sends a new code that replaces the old one', async () => {
    const { agent, form } = await registered();
    const account = (await accountByUsername(form.username!))!;
    const first = await mailedSecrets(form.email!);
    const throttled = await resend(agent);
    expect(throttled.status).toBe(429);
    expect(throttled.text).toMatch(/wait \d+ seconds/);
    expect(await db.selectFrom('one_time_codes').select('id').where('account_id', '=', account.id).execute()).toHaveLength(1);

    await ageLatestCode(account.id, 61);
    const sent = await resend(agent);
    expect(sent.status).toBe(200);
    expect(sent.text).toContain(`We sent a new email to ${form.email}`);
    const second = await mailedSecrets(form.email!);
    expect(second.code).not.toBe(first.code);
    expect((await agent.get(`/verify-email/confirm?token=${first.token}`).expect(400)).text).toContain('newer email');
    expect((await submitCode(agent, second.code)).text).toContain('Email address verified');
  });

  it('does not reset the count of wrong tries with a new code', async () => {
    const { agent, form } = await registered();
    const account = (await accountByUsername(form.username!))!;
    for (let i = 0; i < 3; i++) await submitCode(agent, '0000000000');
    await ageLatestCode(account.id, 61);
    await resend(agent).then((r) => expect(r.status).toBe(200));
    const { code } = await mailedSecrets(form.email!);
    const fourth = await submitCode(agent, code === '0000000000' ? '1111111111' : '0000000000');
    expect(fieldError(fourth.text, 'code')).toMatch(/try 1 more time/);
    await submitCode(agent, '0000000000');
    const sixth = await submitCode(agent, code);
    expect(fieldError(sixth.text, 'code')).toMatch(/too many times/);
    // No fresh guesses by asking again either.
    await ageLatestCode(account.id, 61);
    const locked = await resend(agent);
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('no new email can be sent until');
  });

  it('moves the pending ID to a different email address', async () => {
    const { agent, form } = await registered();
    const account = (await accountByUsername(form.username!))!;
    const old = await mailedSecrets(form.email!);
    await ageLatestCode(account.id, 61);
    const csrf = await csrfOf(agent, '/verify-email/change-email');
    const bad = await agent.post('/verify-email/change-email').type('form').send({ csrf, email: 'nope' });
    expect(bad.status).toBe(400);
    expect(fieldError(bad.text, 'email')).toMatch(/like name@example\.com/);
    const newEmail = `moved.${unique()}@example.com`;
    const moved = await agent.post('/verify-email/change-email').type('form').send({ csrf, email: newEmail });
    expect(moved.status).toBe(200);
    expect(moved.text).toContain(`We sent a new email to ${newEmail}`);
    expect((await accountByUsername(form.username!))!.email).toBe(newEmail);
    const fresh = await mailedSecrets(newEmail);
    expect(fieldError((await submitCode(agent, old.code)).text, 'code')).toMatch(/not correct/);
    expect((await submitCode(agent, fresh.code)).text).toContain('Email address verified');
    expect((await accountByUsername(form.username!))!.email_verified_at).toBeInstanceOf(Date);
  });
});

describe('one-time codes', () => {
  it('take their length as a parameter and store only a keyed hash', async () => {
    const { form } = await registered();
    const account = (await accountByUsername(form.username!))!;
    const spec = { purpose: 'sign_in', length: 6, ttlSeconds: 600, maxAttempts: 5, throttleSeconds: 0 };
    const issued = await issueCode(db, account.id, account.email, spec);
    expect(issued).toMatchObject({ ok: true, code: expect.stringMatching(/^\d{6}$/) });
    const row = await db.selectFrom('one_time_codes').selectAll().where('account_id', '=', account.id).where('purpose', '=', 'sign_in').executeTakeFirstOrThrow();
    expect(row.code_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(row.link_token_hash).toBeNull();
    // Codes of one purpose do not answer for another.
    expect(await verifyCode(db, account.id, 'verify_email', (issued as { code: string }).code)).toMatchObject({ ok: false });
    expect(await verifyCode(db, account.id, 'sign_in', (issued as { code: string }).code)).toMatchObject({ ok: true });
  });
});

describe('expired codes and verification flows', () => {
  it('are deleted an hour after they expire; live ones stay', async () => {
    const { form } = await registered();
    const account = (await accountByUsername(form.username!))!;
    const rows = async () => ({
      codes: (await db.selectFrom('one_time_codes').select('id').where('account_id', '=', account.id).execute()).length,
      flows: (await db.selectFrom('flows').select('id_hash').where('kind', '=', 'verification').where('account_id', '=', account.id).execute()).length,
    });
    await purgeExpiredVerification(db);
    expect(await rows()).toEqual({ codes: 1, flows: 1 });
    const later = new Date(Date.now() + (24 + 2) * 3600_000);
    await purgeExpiredVerification(db, later);
    expect(await rows()).toEqual({ codes: 0, flows: 0 });
  });
});

describe('a verification pending across the upgrade to one flows table (migration 0020)', () => {
  it('opens in the same browser after its row moved out and back, and the migration re-runs harmlessly', async () => {
    const { agent, form } = await registered();
    const account = (await accountByUsername(form.username!))!;
    const migration = migrations['0020_verification_flows']!;
    const raw = db as unknown as Kysely<unknown>;
    const verificationFlows = async () => (await db.selectFrom('flows').select(['state', 'data']).where('kind', '=', 'verification').where('account_id', '=', account.id).execute()).map((f) => ({ state: f.state, data: JSON.parse(f.data) as unknown }));
    const before = await verificationFlows();
    expect(before).toEqual([{ state: 'code_sent', data: { destination: form.email, lastSentAt: expect.any(String) } }]);
    // Back to the table an earlier version wrote, then up again, twice.
    await migration.down!(raw);
    const old = await sql<{ destination: string }>`select destination from verification_flows where account_id = ${account.id}`.execute(db);
    expect(old.rows).toEqual([{ destination: form.email }]);
    expect(await verificationFlows()).toEqual([]);
    await migration.up(raw);
    await migration.up(raw);
    expect(await sql`select to_regclass('verification_flows') as t`.execute(db)).toMatchObject({ rows: [{ t: null }] });
    expect(await verificationFlows()).toEqual(before);
    // The cookie the browser held before still opens its flow.
    expect((await agent.get('/verify-email').expect(200)).text).toContain(form.email);
    const done = await submitCode(agent, (await mailedSecrets(form.email!)).code);
    expect(done.text).toContain('ID is ready to use');
    expect(await verificationFlows()).toEqual([]);
  });
});

describe('the account page', () => {
  it('sends someone not signed in to sign in through /auth, as the built-in account client', async () => {
    const response = await request(portico.url).get('/account').expect(303);
    const target = new URL(response.headers.location!);
    expect(target.pathname).toBe('/auth');
    expect(Object.fromEntries(target.searchParams)).toMatchObject({ client_id: 'portico-account', code_challenge_method: 'S256', response_type: 'code' });
  });

  it('refuses a callback whose state or code it did not ask for, and says so', async () => {
    const forged = await request(portico.url).get('/account/callback?code=abc&state=def').expect(400);
    expect(forged.text).toContain('This sign-in has expired');
    const cancelled = await request(portico.url).get('/account/callback?error=access_denied&state=def').expect(400);
    expect(cancelled.text).toContain('You did not sign in');
  });
});

describe('an email or username that is taken', () => {
  it('refuses a duplicate username (without regard to case) with a message and keeps the values', async () => {
    const { form } = await registered();
    const second = validForm({ username: form.username!.toUpperCase() });
    const page = await register(request.agent(portico.url), second);
    expect(page.status).toBe(400);
    expect(fieldError(page.text, 'username')).toBe('That username is already taken. Choose another.');
    expect(page.text).toContain(`value="${second.email}"`);
    expect(await latestMail(second.email!, 'verify-email')).toBeUndefined();
  });

  it('answers an email another ID verified like a new registration and mails that owner', async () => {
    const owner = await registered();
    await submitCode(owner.agent, (await mailedSecrets(owner.form.email!)).code);
    const ownerAccount = (await accountByUsername(owner.form.username!))!;
    expect(ownerAccount.email_verified_at).toBeInstanceOf(Date);
    const real = await registered();
    const copycat = request.agent(portico.url);
    const form = validForm({ email: owner.form.email!.toUpperCase() });
    const response = await register(copycat, form);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/verify-email');
    // A pending ID, as for a free address (so its username answers alike), but no code goes out for it.
    const copy = (await accountByUsername(form.username!))!;
    expect(copy.email_verified_at).toBeNull();
    expect(await db.selectFrom('one_time_codes').select('id').where('account_id', '=', copy.id).execute()).toEqual([]);
    const notice = (await latestMail(owner.form.email!, 'registration-attempt'))!;
    expect(notice).toMatchObject({ to_address: owner.form.email, account_id: ownerAccount.id });
    expect(notice.text_body).toContain(`${portico.url}/recover`);
    expect(await auditActions(ownerAccount.id)).toContain('registration.email_in_use');

    // The waiting page cannot be told apart from a real one.
    const normalise = (html: string, email: string) => html.replace(/name="csrf" value="[^"]*"/g, 'csrf').replaceAll(email, 'EMAIL');
    const fake = await copycat.get('/verify-email').expect(200);
    const genuine = await real.agent.get('/verify-email').expect(200);
    expect(normalise(fake.text, form.email!)).toBe(normalise(genuine.text, real.form.email!));
    const wrong = await submitCode(copycat, '0123456789');
    expect(fieldError(wrong.text, 'code')).toMatch(/try 4 more times/);
    expect((await resend(copycat)).status).toBe(429);
  });
});

describe('registrations racing', () => {
  async function race(a: Record<string, string>, b: Record<string, string>) {
    const agents = [request.agent(portico.url), request.agent(portico.url)];
    const tokens = await Promise.all(agents.map((agent) => csrfOf(agent, '/register')));
    return Promise.all([a, b].map((form, i) => agents[i]!.post('/register').type('form').send({ ...form, csrf: tokens[i] })));
  }

  async function rowsFor(emails: string[]) {
    const accounts = await db.selectFrom('accounts').select('id').where(sql`lower(email)`, 'in', emails.map((e) => e.toLowerCase())).execute();
    const ids = accounts.map((a) => a.id);
    const count = async (table: 'security_answers' | 'one_time_codes' | 'flows') =>
      (await db.selectFrom(table).select('account_id').where('account_id', 'in', ids.length ? ids : ['none']).$if(table === 'flows', (q) => q.where(sql.ref('kind'), '=', 'verification')).execute()).length;
    const mails = await db.selectFrom('mail_outbox').select(['to_address', 'template']).where(sql`lower(to_address)`, 'in', emails.map((e) => e.toLowerCase())).execute();
    return { accounts: ids, answers: await count('security_answers'), codes: await count('one_time_codes'), flows: await count('flows'), mails };
  }

  it('for one username: exactly one account, the other a clear message, nothing half-written', async () => {
    const username = `racer${unique()}`;
    const a = validForm({ username });
    const b = validForm({ username: username.toUpperCase() });
    const responses = await race(a, b);
    expect(responses.map((r) => r.status).sort()).toEqual([303, 400]);
    const loser = responses.find((r) => r.status === 400)!;
    expect(fieldError(loser.text, 'username')).toBe('That username is already taken. Choose another.');
    const rows = await rowsFor([a.email!, b.email!]);
    expect(rows.accounts).toHaveLength(1);
    expect(rows).toMatchObject({ answers: 0, codes: 1, flows: 1 });
    expect(rows.mails.filter((m) => m.template === 'verify-email')).toHaveLength(1);
  });

  it('for one unverified email: two pending IDs, each with its own code, until one verifies', async () => {
    const email = `racer.${unique()}@example.com`;
    const responses = await race(validForm({ email }), validForm({ email: email.toUpperCase() }));
    expect(responses.map((r) => [r.status, r.headers.location])).toEqual([
      [303, '/verify-email'],
      [303, '/verify-email'],
    ]);
    const rows = await rowsFor([email]);
    expect(rows.accounts).toHaveLength(2);
    expect(rows).toMatchObject({ answers: 0, codes: 2, flows: 2 });
    expect(rows.mails.map((m) => m.template).sort()).toEqual(['verify-email', 'verify-email']);
  });
});

/*
 * On real PostgreSQL the unique indexes decide a race that the look-ups miss: another
 * transaction holds an uncommitted row with the same username or email, so the registration's
 * checks pass and its insert waits on the index; when the other commits, the registration
 * rolls back whole and its retry sees the winner. PGlite has one connection, so no such race.
 */
describe.skipIf(!process.env.DATABASE_URL)('the unique indexes settle a race the checks missed (PostgreSQL)', () => {
  const input = (form: Record<string, string>) => ({
    givenName: form.givenName!,
    familyName: form.familyName!,
    birthYear: form.birthYear!,
    email: form.email!,
    username: form.username!,
    password: form.password!,
    confirmPassword: form.confirmPassword!,
    termsAccepted: true,
  });

  async function raceAgainstUncommitted(winner: { username: string; email: string }, form: Record<string, string>) {
    const other = await db.startTransaction().execute();
    const id = `winner-${unique()}`;
    await other.insertInto('accounts').values({ id, username: winner.username, email: winner.email, given_name: 'W', family_name: 'W', password_hash: 'x', email_verified_at: new Date() }).execute();
    const hasher = new PasswordHasher(portico.config.policy.argon2);
    const pending = registerAccount(db, hasher, input(form), { policy: portico.config.policy, links: mailLinks(portico.url), origin: {} });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await other.commit().execute();
    return { id, outcome: await pending };
  }

  async function orphans(email: string) {
    const codes = await db.selectFrom('one_time_codes').select('id').where(sql`lower(destination)`, '=', email.toLowerCase()).execute();
    const mails = await db.selectFrom('mail_outbox').select('template').where(sql`lower(to_address)`, '=', email.toLowerCase()).execute();
    return { codes: codes.length, mails: mails.map((m) => m.template) };
  }

  it('a username taken meanwhile becomes a field error, with nothing of the loser left', async () => {
    const form = validForm();
    const { id, outcome } = await raceAgainstUncommitted({ username: form.username!.toUpperCase(), email: `w.${unique()}@example.com` }, form);
    expect(outcome).toEqual({ ok: false, errors: { username: { key: 'username.taken' } } });
    expect(await db.selectFrom('accounts').select('id').where(sql`lower(username)`, '=', form.username!.toLowerCase()).execute()).toEqual([{ id }]);
    expect(await db.selectFrom('accounts').select('id').where('email', '=', form.email!).execute()).toEqual([]);
    expect(await orphans(form.email!)).toEqual({ codes: 0, mails: [] });
  });

  it('an email verified meanwhile by another ID leaves the new ID pending beside the owner', async () => {
    const form = validForm();
    const { id, outcome } = await raceAgainstUncommitted({ username: `w${unique()}`, email: form.email! }, form);
    expect(outcome).toMatchObject({ ok: true, flowId: expect.any(String) });
    const holders = await db.selectFrom('accounts').select(['id', 'email_verified_at']).where(sql`lower(email)`, '=', form.email!.toLowerCase()).execute();
    expect(holders.filter((h) => h.email_verified_at !== null).map((h) => h.id)).toEqual([id]);
    expect(holders).toHaveLength(2);
  });
});

/** Security questions are enrolled once the address is verified: the step before the portal. */
async function enrolQuestions(rp: RelyingParty, page: { url: string; html?: string }) {
  expect(page.url).toMatch(/\/interaction\/[^/]+\/enrol-questions$/);
  const form = { csrf: hiddenInput(page.html!, 'csrf')!, question1: 'first_pet', answer1: 'Rex the dog', question2: 'birth_city', answer2: 'Duluth' };
  return rp.browser.follow(new URL(formAction(page.html!, /\/enrol-questions$/)!, page.url).toString(), { form });
}

describe('from a portal and back (openid-client)', () => {
  async function createIdFromPortal(rp: RelyingParty) {
    const request = await rp.authorizationRequest();
    const signIn = await rp.browser.follow(request.url);
    expect(signIn.html).toContain('Create an ID');
    const registerUrl = new URL(/href="(\/interaction\/[^"]+\/register)"/.exec(signIn.html!)![1]!, signIn.url).toString();
    const page = await rp.browser.follow(registerUrl);
    expect(page.html).toContain('Create an ID');
    // From a portal there is a Cancel, and the terms hint names it.
    expect(page.html).toContain('select Cancel');
    expect(page.html).toContain('Cancel and return to the portal');
    const form = validForm();
    const action = new URL(formAction(page.html!, /\/register$/)!, page.url).toString();
    const waiting = await rp.browser.follow(action, { form: { ...form, csrf: hiddenInput(page.html!, 'csrf')! } });
    expect(waiting.url).toMatch(/\/interaction\/[^/]+\/verify-email$/);
    expect(waiting.html).toContain('Verify your email address');
    return { request, form, waiting };
  }

  it('registers, verifies with the code, sets security questions and returns to the portal signed in with email_verified: true', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const { request, form, waiting } = await createIdFromPortal(rp);
    const { code } = await mailedSecrets(form.email!);
    const enrol = await rp.browser.follow(new URL(formAction(waiting.html!, /\/verify-email$/)!, waiting.url).toString(), {
      form: { csrf: hiddenInput(waiting.html!, 'csrf')!, code },
    });
    expect(enrol.html).toContain('Security question 1');
    const back = await enrolQuestions(rp, enrol);
    expect(back.url.startsWith(portalOrigin)).toBe(true);
    const tokens = await rp.exchange(back.url, request);
    expect(tokens.claims()).toMatchObject({ email: form.email, email_verified: true, preferred_username: form.username });
  });

  it('the link opened in the same browser also returns to the portal', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const { request, form } = await createIdFromPortal(rp);
    const { token } = await mailedSecrets(form.email!);
    const confirm = await rp.browser.follow(`${portico.url}/verify-email/confirm?token=${token}`);
    const back = await enrolQuestions(rp, await rp.browser.follow(`${portico.url}/verify-email/confirm`, { form: { token, csrf: hiddenInput(confirm.html!, 'csrf')! } }));
    expect(back.url.startsWith(portalOrigin)).toBe(true);
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ email_verified: true });
  });

  it('takes an unverified account that signs in to the waiting page, then to the portal', async () => {
    const first = await RelyingParty.discover(portico.url);
    const { form } = await createIdFromPortal(first);
    const before = await db.selectFrom('mail_outbox').select('id').where('to_address', '=', form.email!).execute();

    const rp = await RelyingParty.discover(portico.url);
    const request = await rp.authorizationRequest();
    const waiting = await rp.submitSignIn(await rp.browser.follow(request.url), form.username!, form.password!);
    expect(waiting.url).toMatch(/\/interaction\/[^/]+\/verify-email$/);
    expect(waiting.html).toContain(form.email);
    // The code from the first email is still live: no second email.
    expect(await db.selectFrom('mail_outbox').select('id').where('to_address', '=', form.email!).execute()).toHaveLength(before.length);
    const { code } = await mailedSecrets(form.email!);
    const enrol = await rp.browser.follow(new URL(formAction(waiting.html!, /\/verify-email$/)!, waiting.url).toString(), {
      form: { csrf: hiddenInput(waiting.html!, 'csrf')!, code },
    });
    const back = await enrolQuestions(rp, enrol);
    expect(back.url.startsWith(portalOrigin)).toBe(true);
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ email_verified: true });
  });
});

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe.skipIf(!existsSync(chromium))('accessibility (axe-core, WCAG 2.1 AA)', () => {
  it('the form with errors, the waiting page, the change page and the done page have no violations', async () => {
    const { launchBrowser, accessibilityViolations } = await import('../support/browser.js');
    const browser = await launchBrowser();
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${portico.url}/register`);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByLabel('First name').fill('Jane');
      await page.getByRole('button', { name: 'Create my ID' }).click();
      await page.getByText('Check the fields marked below.').waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);

      const form = validForm();
      await page.getByLabel('Last name').fill(form.familyName!);
      await page.getByLabel('Year of birth').fill(form.birthYear!);
      await page.getByLabel('Your email address').fill(form.email!);
      await page.getByLabel('Create username').fill(form.username!);
      await page.getByLabel('Create password').fill(form.password!);
      await page.getByLabel('Type password again').fill(form.password!);
      await page.getByLabel('I agree to the Terms of Use and the Privacy Policy').check();
      await page.getByRole('button', { name: 'Create my ID' }).click();
      await page.getByRole('heading', { name: 'Verify your email address' }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByLabel('Activation code').fill('123');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByText('Enter the 10-digit activation code from the email.').waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByRole('link', { name: 'Use a different email address' }).click();
      await page.getByRole('heading', { name: 'Use a different email address' }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByRole('link', { name: /^Keep .* and go back$/ }).click();
      await page.getByRole('heading', { name: 'Verify your email address' }).waitFor();

      const { code } = await mailedSecrets(form.email!);
      await page.getByLabel('Activation code').fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Email address verified' }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
