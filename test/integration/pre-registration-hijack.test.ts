import { sql } from 'kysely';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { purgeExpiredVerification } from '../../src/identity/expired-records.js';
import { hashAnswers, saveAnswers } from '../../src/identity/registration/security-answers.js';
import { listTrustedDevices, trustDevice } from '../../src/identity/trusted-devices.js';
import type { Db } from '../../src/storage/database.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import { usePortico, TEST_ANSWERS, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * Pre-registration hijack (Sudhodanan & Paverd, "Pre-hijacked accounts", USENIX Security 2022)
 * and its neighbours: someone registers another person's address with their own password (and,
 * before, their own security answers), then waits for that person to verify it for them. Also:
 * whether a registration reveals that an address is taken, and what a registration lets anyone
 * mail to any address.
 */

let portico: TestPortico;
let db: Db;
// Every registration here comes from 127.0.0.1; resends are not throttled so the cap shows.
usePortico((started, database) => ((portico = started), (db = database)), { policy: { rate_limits: { registration: { per_ip: { points: 0 } } }, registration: { verification: { resend_throttle_seconds: 0 } } } });

let counter = 0;
const unique = () => `${Date.now().toString(36)}${++counter}`;
type Agent = ReturnType<typeof request.agent>;

/** A registration form; the security answers in it are what a hijacker would type, and are ignored. */
function person(overrides: Record<string, string> = {}) {
  const n = unique();
  const answers = { question1: 'first_pet', answer1: 'Rex the dog', question2: 'birth_city', answer2: 'Duluth' };
  return { givenName: 'Jane', familyName: 'Smith', birthYear: '1980', email: `jane.${n}@example.com`, username: `jane${n}`, password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour', terms: 'yes', ...answers, ...overrides };
}

async function register(form: Record<string, string>): Promise<Agent> {
  const agent = request.agent(portico.url);
  const csrf = hiddenInput((await agent.get('/register').expect(200)).text, 'csrf')!;
  const response = await agent.post('/register').type('form').send({ ...form, csrf });
  expect([response.status, response.headers.location]).toEqual([303, '/verify-email']);
  return agent;
}

const byUsername = (username: string) => db.selectFrom('accounts').selectAll().where(sql`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();
const mailsTo = (to: string, template: string) =>
  db.selectFrom('mail_outbox').selectAll().where(sql`lower(to_address)`, '=', to.toLowerCase()).where('template', '=', template).orderBy('created_at', 'desc').execute();

async function latestSecrets(to: string) {
  const [mail] = await mailsTo(to, 'verify-email');
  return { code: /^(\d{10})$/m.exec(mail!.text_body)![1]!, token: /\/verify-email\/confirm\?token=([A-Za-z0-9_-]{43})/.exec(mail!.text_body)![1]! };
}

/** Signs in at a portal with a username and password, in a fresh browser; the page reached. */
async function signInAtPortal(username: string, password: string) {
  const rp = await RelyingParty.discover(portico.url);
  return rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), username, password);
}

describe('an ID registered with someone else\'s address', () => {
  it('is not verified by its owner opening the link: another browser must know the ID\'s password', async () => {
    const victim = `victim.${unique()}@example.com`;
    const hijacker = person({ email: victim });
    await register(hijacker);
    const account = (await byUsername(hijacker.username))!;

    // The owner of the address selects "Confirm" in the mail, in their own browser.
    const { token } = await latestSecrets(victim);
    const inbox = request.agent(portico.url);
    const page = await inbox.get(`/verify-email/confirm?token=${token}`).expect(200);
    const confirmed = await inbox.post('/verify-email/confirm').type('form').send({ token, csrf: hiddenInput(page.text, 'csrf')! });
    expect((await findAccountById(db, account.id))!.email_verified_at).toBeNull();
    expect(confirmed.status).toBe(400);
    expect(confirmed.text).toContain('id="password-error">Enter the password of this ID.');
    // Nothing but the password on the ID: no answers for the second step or for recovery.
    expect(await db.selectFrom('security_answers').select('question_id').where('account_id', '=', account.id).execute()).toEqual([]);

    // The hijacker signing in meets the waiting page, never a portal with email_verified: true.
    const reached = await signInAtPortal(hijacker.username, hijacker.password);
    expect(reached.url).toMatch(/\/interaction\/[^/]+\/verify-email$/);
  });

  it('is replaced when the address\'s owner registers and verifies it', async () => {
    const victim = `victim.${unique()}@example.com`;
    const hijacker = person({ email: victim });
    await register(hijacker);
    const owner = person({ email: victim.toUpperCase() });
    const agent = await register(owner);
    // The owner gets an activation mail of their own, not "someone tried to use your address".
    expect(await mailsTo(victim, 'registration-attempt')).toEqual([]);
    const { code } = await latestSecrets(victim);
    const csrf = hiddenInput((await agent.get('/verify-email').expect(200)).text, 'csrf')!;
    expect((await agent.post('/verify-email').type('form').send({ csrf, code })).text).toContain('Email address verified');

    expect((await byUsername(owner.username))!.email_verified_at).toBeInstanceOf(Date);
    expect(await byUsername(hijacker.username)).toBeUndefined();
    expect((await signInAtPortal(hijacker.username, hijacker.password)).response.status).toBe(400);
  });

  it('recovered by its address\'s owner with an emailed code: address verified, answers, sessions and devices cleared', async () => {
    const victim = `victim.${unique()}@example.com`;
    const hijacker = person({ email: victim });
    await register(hijacker);
    const account = (await byUsername(hijacker.username))!;
    // As an ID registered before this release could be: the hijacker's answers and a remembered device.
    await saveAnswers(db, account.id, await hashAnswers(new PasswordHasher(portico.config.policy.argon2), TEST_ANSWERS));
    await trustDevice(db, account.id, 'hijacker-device-token', 'hijacker laptop', 30);

    // The owner, told "this address already has an ID", uses "Forgot password" with the address.
    const owner = new UserAgent('http://127.0.0.1:9');
    const start = await owner.follow(`${portico.url}/recover/password`);
    const codePage = await owner.follow(`${portico.url}/recover/password`, { form: { csrf: hiddenInput(start.html!, 'csrf')!, login: victim } });
    const [mail] = await mailsTo(victim, 'recovery-code');
    const code = /^(\d{10})$/m.exec(mail!.text_body)![1]!;
    const newPassword = await owner.follow(`${portico.url}/recover/password/code`, { form: { csrf: hiddenInput(codePage.html!, 'csrf')!, code } });
    expect(newPassword.url).toBe(`${portico.url}/recover/password/new`);

    const after = (await findAccountById(db, account.id))!;
    expect(after.email_verified_at).toBeInstanceOf(Date);
    expect(after.sessions_valid_after).toBeInstanceOf(Date);
    expect(await db.selectFrom('security_answers').select('question_id').where('account_id', '=', account.id).execute()).toEqual([]);
    expect(await listTrustedDevices(db, account.id)).toEqual([]);

    // The hijacker's answers no longer reset the password.
    const again = new UserAgent('http://127.0.0.1:9');
    const form = await again.follow(`${portico.url}/recover/password`);
    await again.follow(`${portico.url}/recover/password`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, login: hijacker.username } });
    const questions = await again.follow(`${portico.url}/recover/password/questions`);
    const answers = Object.fromEntries(TEST_ANSWERS.map((a) => [`answer_${a.questionId}`, a.answer]));
    const refused = await again.follow(`${portico.url}/recover/password/questions`, { form: { csrf: hiddenInput(questions.html!, 'csrf')!, ...answers } });
    // Answers are asked only after the emailed code, which now goes to the owner's inbox alone.
    expect(refused.url).not.toBe(`${portico.url}/recover/password/new`);
    expect(refused.html ?? '').not.toContain('name="confirmPassword"');
  });

  it('lapses after the policy\'s days unverified, and a verified ID stays', async () => {
    const pending = person();
    await register(pending);
    const verified = await portico.createUser();
    const now = Date.now();
    const days = 7; // the default of pending_ids.unverified_ttl_days
    await purgeExpiredVerification(db, new Date(now + 6 * 86_400_000), days);
    expect(await byUsername(pending.username)).toBeDefined();
    await purgeExpiredVerification(db, new Date(now + 8 * 86_400_000), days);
    expect(await byUsername(pending.username)).toBeUndefined();
    expect(await findAccountById(db, verified.id)).toBeDefined();
  });
});

describe('whether a registration\'s address was taken', () => {
  it('is not told by signing in with the username, or the address, and the password chosen in it', async () => {
    const owner = await portico.createUser();
    const taken = person({ email: owner.email });
    const free = person();
    await register(taken);
    await register(free);
    const pages = [await signInAtPortal(taken.username, taken.password), await signInAtPortal(free.username, free.password)];
    expect(pages.map((p) => [p.response.status, /\/verify-email$/.test(p.url)])).toEqual([
      [200, true],
      [200, true],
    ]);
    // With the address instead: the same refusal either way (a pending ID signs in by username).
    const byAddress = [await signInAtPortal(owner.email, taken.password), await signInAtPortal(free.email, free.password)];
    expect(byAddress.map((p) => [p.response.status, p.html!.includes('The username or password you entered is not correct.')])).toEqual([
      [400, true],
      [400, true],
    ]);
    const neutral = (html: string, email: string) => html.replace(/name="csrf" value="[^"]*"/g, '').replace(/\/interaction\/[^/"]+\//g, '/interaction/UID/').replaceAll(email, 'EMAIL');
    expect(neutral(pages[0]!.html!, owner.email)).toBe(neutral(pages[1]!.html!, free.email));
    // The owner is told; no activation code goes to the owner's address for the other ID.
    expect(await mailsTo(owner.email, 'verify-email')).toEqual([]);
    expect(await mailsTo(owner.email, 'registration-attempt')).toHaveLength(1);
  });
});

describe('mails anyone can send to an address through registration', () => {
  it('greet nobody by name: the name is anyone\'s text until the address is verified', async () => {
    const target = `target.${unique()}@example.com`;
    await register(person({ email: target, givenName: 'Jane' }));
    const [first] = await mailsTo(target, 'verify-email');
    expect(first!.text_body).toMatch(/^Hello,$/m);
    expect(first!.html_body).not.toContain('Jane');
  });

  it('stop at the per-address cap', async () => {
    const target = `target.${unique()}@example.com`;
    const agent = await register(person({ email: target }));
    const cap = 10; // the default of pending_ids.mails_per_address
    const statuses: number[] = [];
    for (let i = 0; i < cap; i++) {
      const csrf = hiddenInput((await agent.get('/verify-email').expect(200)).text, 'csrf')!;
      statuses.push((await agent.post('/verify-email/resend').type('form').send({ csrf })).status);
    }
    expect(statuses.slice(0, cap - 1).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(await mailsTo(target, 'verify-email')).toHaveLength(cap);
  });
});
