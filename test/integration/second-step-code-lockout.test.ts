import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { issueCode } from '../../src/identity/one-time-codes.js';
import { checkAccessCode, sendAccessCode } from '../../src/identity/second-step/access-code.js';
import { checkAuthenticatorCode, confirmAuthenticatorApp, enrolmentSecret } from '../../src/identity/second-step/authenticator-app.js';
import { checkSignInCode, PHONE_SIGN_IN } from '../../src/identity/second-step/phone.js';
import { codeDestination, phoneCodeSpec } from '../../src/identity/second-step/phone-send.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { startPostgres, type PostgresService } from '../support/servers.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * Wrong codes of every kind typed at the sign-in's second step (the authenticator app's, an
 * emailed access code, a texted or called one) count towards the one lock of the ID
 * (identity/second-step/code-attempt.ts, counter 'code', default 5): mixed, in parallel, and
 * cleared by a right code of any kind; reset codes at "Forgot password" never count. On a
 * PostgreSQL server (DATABASE_URL's, or one started here), where requests race on several
 * connections, not on PGlite's one.
 */

const LOCKED = 'We can&#39;t let you sign in just yet';
const STEP_MS = 30_000;

let pgServer: PostgresService | undefined;
let portico: TestPortico;
beforeAll(async () => {
  if (!process.env.DATABASE_URL) pgServer = await startPostgres();
  const off = { per_ip: { points: 0 }, per_account: { points: 0 } };
  const policy = {
    second_step: { methods: ['passkey', 'authenticator_app', 'phone', 'email_code', 'security_questions'], access_code: { resend_throttle_seconds: 0 } },
    rate_limits: { recovery: off, codes: off },
  };
  portico = await startPortico({ policy, ...(pgServer ? { databaseUrl: pgServer.url } : {}) });
});
afterAll(async () => {
  await portico?.stop();
  await pgServer?.stop();
});

const db = () => portico.server.database.db;
const policy = () => portico.config.policy;
const account = async (id: string) => (await findAccountById(db(), id))!;
const counted = async (id: string) => (await account(id)).failed_code_count;

/** The code an app shows at `at`, as otplib computes it for an app. */
const appCodeAt = (secret: string, at: Date) => generateSync({ secret, epoch: Math.floor(at.getTime() / 1000) });
/** Six digits the app check refuses around `at` (one step of drift either way). */
function wrongAppCode(secret: string, at: Date, n: number): string {
  const accepted = [-1, 0, 1].map((k) => appCodeAt(secret, new Date(at.getTime() + k * STEP_MS)));
  for (let i = n; ; i += 7919) {
    const code = String((Number(accepted[1]) + 100_003 + i) % 1_000_000).padStart(6, '0');
    if (!accepted.includes(code)) return code;
  }
}
/** A six-digit code that is not `right`. */
const otherThan = (right: string) => (right === '000000' ? '111111' : '000000');

let numbers = 0;
/** A user with a confirmed app (confirmed two steps ago, so no code of now is a replay) and a phone number. */
async function userWithAppAndPhone() {
  const user = await portico.createUser({ trustDevice: false });
  const secret = (await enrolmentSecret(db(), user.id))!;
  const at = new Date(Date.now() - 2 * STEP_MS);
  if (!(await confirmAuthenticatorApp(db(), await account(user.id), appCodeAt(secret, at), {}, at)).ok) throw new Error('the app was not confirmed');
  const e164 = `+12015550${String(100 + numbers++)}`;
  await db().insertInto('phone_numbers').values({ account_id: user.id, e164 }).execute();
  return { ...user, secret, e164 };
}

type Page = Awaited<ReturnType<UserAgent['follow']>>;
const title = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.html ?? '')?.[1];
const atPortal = (page: Page) => page.url.startsWith('http://127.0.0.1:9');

async function post(rp: RelyingParty, page: Page, pattern: RegExp, form: Record<string, string> = {}) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return rp.browser.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

async function signIn(user: { username: string; password: string }) {
  const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
  const page = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, user.password);
  return { rp, page };
}
/** Another method's page of the same sign-in ("Use another way"). */
const methodPage = (rp: RelyingParty, page: Page, path: string) => rp.browser.follow(page.url.replace(/\/interaction\/([^/]+)\/.*$/, `/interaction/$1/${path}`));

const latestMailedCode = async (email: string, template: string, digits: number) => {
  const mail = await db().selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', template).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  return new RegExp(`^(\\d{${digits}})$`, 'm').exec(mail.text_body)![1]!;
};
const latestTextedCode = async (accountId: string) => {
  const text = await db().selectFrom('phone_outbox').select('body').where('account_id', '=', accountId).where('purpose', '=', 'code').orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow();
  return /\b(\d{6})\b/.exec(text.body)![1]!;
};

describe('wrong codes of every kind at the second step', () => {
  it('lock the ID at the fifth, mixed: 2 app, 2 emailed, 1 phone; letters and short codes are no guesses; then even the right password gets the locked page', async () => {
    expect(policy().lockout.max_failed_codes).toBe(5);
    const user = await userWithAppAndPhone();
    const { rp, page } = await signIn(user);
    expect(page.url).toMatch(/\/authenticator-app$/);
    let current = page;
    for (let i = 0; i < 2; i++) {
      current = await post(rp, current, /\/authenticator-app$/, { code: wrongAppCode(user.secret, new Date(), i) });
      expect(current.html).toContain('That code is not correct');
    }
    expect(await counted(user.id)).toBe(2);

    const mailed = await post(rp, await methodPage(rp, current, 'access-code'), /\/access-code\/resend$/);
    const emailed = await latestMailedCode(user.email, 'access-code', 6);
    current = await post(rp, mailed, /\/access-code$/, { code: '12a456' });
    current = await post(rp, current, /\/access-code$/, { code: '123' });
    expect(current.response.status).toBe(400);
    expect(await counted(user.id)).toBe(2);
    for (let i = 0; i < 2; i++) current = await post(rp, current, /\/access-code$/, { code: otherThan(emailed) });
    expect(current.html).toContain('That code is not correct');
    // The code itself takes 3 more, the ID only 1 before it locks: the page says the smaller.
    expect(current.html).toContain('You can try 1 more time.');
    expect(await counted(user.id)).toBe(4);
    expect((await account(user.id)).status).toBe('active');

    const texted = await post(rp, await methodPage(rp, current, 'phone'), /\/phone\/text$/);
    current = await post(rp, texted, /\/phone$/, { code: '12a456' });
    expect(current.html).toContain('The code has only digits');
    expect(await counted(user.id)).toBe(4);
    const fifth = await post(rp, current, /\/phone$/, { code: otherThan(await latestTextedCode(user.id)) });
    expect(title(fifth)).toBe(LOCKED);
    expect(formAction(fifth.html!, /\/locked\/send-email$/)).toBeDefined();
    expect(await account(user.id)).toMatchObject({ status: 'disabled', lock_reason: 'failed_codes', failed_code_count: 5 });

    // The same page a locked ID gets at its password, right or wrong.
    const again = await signIn(user);
    expect(again.page.response.status).toBe(403);
    expect(title(again.page)).toBe(LOCKED);
    const strip = (html: string) => html.replace(/name="csrf" value="[^"]+"|\/interaction\/[^/"]+/g, '');
    expect(strip(fifth.html!)).toBe(strip(again.page.html!));
  });

  it('say the tries left before the ID locks when fewer than the code\'s own: a wrong emailed code after 3 wrong app codes says 1 more, a phone code the same', async () => {
    expect(policy().second_step.access_code.max_attempts).toBe(5);
    const user = await userWithAppAndPhone();
    const { rp, page } = await signIn(user);
    let current = page;
    for (let i = 0; i < 3; i++) current = await post(rp, current, /\/authenticator-app$/, { code: wrongAppCode(user.secret, new Date(), i) });
    const mailed = await post(rp, await methodPage(rp, current, 'access-code'), /\/access-code\/resend$/);
    const wrong = await post(rp, mailed, /\/access-code$/, { code: otherThan(await latestMailedCode(user.email, 'access-code', 6)) });
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('That code is not correct. You can try 1 more time.');
    expect(wrong.html).not.toContain('4 more times');
    expect(await account(user.id)).toMatchObject({ status: 'active', failed_code_count: 4 });
    // The code's own count stays in the audit.
    const failed = await db().selectFrom('audit_events').select('details').where('account_id', '=', user.id).where('action', '=', 'second_step.code_failed').executeTakeFirstOrThrow();
    expect(failed.details).toMatchObject({ attempts_left: 4 });

    // A phone code after 2 wrong app codes: 2 left for the ID, 4 for the code.
    const other = await userWithAppAndPhone();
    const now = new Date();
    for (let i = 0; i < 2; i++) await checkAuthenticatorCode(db(), other.id, wrongAppCode(other.secret, now, i), policy(), {}, now);
    const phoned = await issueCode(db(), other.id, codeDestination('text', other.e164), phoneCodeSpec(policy().second_step.phone, PHONE_SIGN_IN, 'mixed'));
    if (!phoned.ok) throw new Error('no code was issued');
    expect((await checkSignInCode(db(), other.id, otherThan(phoned.code), 'mixed', policy())).check).toMatchObject({ reason: 'wrong', attemptsLeft: 2 });
    expect((await checkSignInCode(db(), other.id, otherThan(phoned.code), 'mixed', policy())).check).toMatchObject({ reason: 'wrong', attemptsLeft: 1 });
    expect((await checkSignInCode(db(), other.id, otherThan(phoned.code), 'mixed', policy())).check).toEqual({ ok: false, reason: 'id_locked' });
  });

  it('count 10 wrong emailed codes sent at once as exactly 5, lock once, and check none past the fifth', async () => {
    const user = await portico.createUser({ trustDevice: false });
    const binding = `parallel-${user.id}`;
    const issued = await sendAccessCode(db(), await account(user.id), policy().second_step.access_code, binding);
    if (!issued.ok) throw new Error('no code was issued');
    const results = await Promise.all(Array.from({ length: 10 }, () => checkAccessCode(db(), user.id, otherThan(issued.code), binding, policy())));
    const tally = results.reduce<Record<string, number>>((t, r) => ({ ...t, [r.ok ? 'ok' : r.reason]: (t[r.ok ? 'ok' : r.reason] ?? 0) + 1 }), {});
    // Four told "not correct", the fifth locks, the rest find the ID locked.
    expect(tally).toEqual({ wrong: 4, id_locked: 6 });
    expect(await account(user.id)).toMatchObject({ status: 'disabled', lock_reason: 'failed_codes', failed_code_count: 5, code_in_flight: 0 });
    const audit = await db().selectFrom('audit_events').select('action').where('account_id', '=', user.id).execute();
    expect(audit.filter((e) => e.action === 'second_step.code_failed')).toHaveLength(5);
    expect(audit.filter((e) => e.action === 'account.locked')).toHaveLength(1);
    // The right code afterwards is not checked: it stays unused, and the answer is the lock.
    expect(await checkAccessCode(db(), user.id, issued.code, binding, policy())).toEqual({ ok: false, reason: 'id_locked' });
    const code = await db().selectFrom('one_time_codes').select(['attempts', 'consumed_at']).where('account_id', '=', user.id).where('bound_to', '=', binding).executeTakeFirstOrThrow();
    expect(code).toEqual({ attempts: 5, consumed_at: null });
  });

  it('start over after a right emailed code: 4 wrong, the right one, then 4 more wrong leave the ID open', async () => {
    const user = await userWithAppAndPhone();
    const now = new Date();
    for (let i = 0; i < 2; i++) expect(await checkAuthenticatorCode(db(), user.id, wrongAppCode(user.secret, now, i), policy(), {}, now)).toMatchObject({ reason: 'wrong' });
    const issued = await sendAccessCode(db(), await account(user.id), policy().second_step.access_code, 'first');
    if (!issued.ok) throw new Error('no code was issued');
    for (let i = 0; i < 2; i++) expect(await checkAccessCode(db(), user.id, otherThan(issued.code), 'first', policy())).toMatchObject({ reason: 'wrong' });
    expect(await counted(user.id)).toBe(4);
    expect(await checkAccessCode(db(), user.id, issued.code, 'first', policy())).toMatchObject({ ok: true });
    expect(await counted(user.id)).toBe(0);

    // A later sign-in's phone code: four wrong ones leave the ID open, with four counted.
    const phoned = await issueCode(db(), user.id, codeDestination('text', user.e164), phoneCodeSpec(policy().second_step.phone, PHONE_SIGN_IN, 'second'));
    if (!phoned.ok) throw new Error('no code was issued');
    for (let i = 0; i < 4; i++) expect((await checkSignInCode(db(), user.id, otherThan(phoned.code), 'second', policy())).check).toMatchObject({ reason: 'wrong' });
    expect(await account(user.id)).toMatchObject({ status: 'active', failed_code_count: 4 });
    // A right phone code clears the run as well.
    expect(await checkSignInCode(db(), user.id, phoned.code, 'second', policy())).toMatchObject({ check: { ok: true }, channel: 'text' });
    expect(await counted(user.id)).toBe(0);
  });

  it('never count wrong reset codes typed at "Forgot password" (a username alone reaches it), while a sign-in\'s wrong codes still do', async () => {
    const user = await portico.createUser({ trustDevice: false });
    const agent = new UserAgent('http://127.0.0.1:9');
    const form = await agent.follow(`${portico.url}/recover/password`);
    let page = await agent.follow(`${portico.url}/recover/password`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, login: user.username } });
    const typeCode = (code: string) => agent.follow(`${portico.url}/recover/password/code`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, code } });
    const reset = await latestMailedCode(user.email, 'recovery-code', 10);
    // As many wrong codes as lock the ID at the second step; a sixth is refused unchecked (the code's tries are used up).
    for (let i = 0; i < 6; i++) page = await typeCode(reset === '0000000000' ? '1111111111' : '0000000000');
    expect(page.response.status).toBe(400);
    const failures = await db().selectFrom('code_failures').select('failures').where('subject', '=', user.id).where('door', '=', 'recovery').executeTakeFirstOrThrow();
    expect(failures.failures).toBe(5);
    expect(await account(user.id)).toMatchObject({ status: 'active', failed_code_count: 0, code_in_flight: 0 });

    // The owner signs in as usual; at the second step 4 wrong emailed codes count, the fifth locks.
    const { rp, page: step } = await signIn(user);
    const emailed = await latestMailedCode(user.email, 'access-code', 6);
    let current = step;
    for (let i = 0; i < 4; i++) current = await post(rp, current, /\/access-code$/, { code: otherThan(emailed) });
    expect(await account(user.id)).toMatchObject({ status: 'active', failed_code_count: 4 });
    const fifth = await post(rp, current, /\/access-code$/, { code: otherThan(emailed) });
    expect(atPortal(fifth)).toBe(false);
    expect(title(fifth)).toBe(LOCKED);
  });
});
