import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorAction } from '../../src/identity/account-admin.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { purgeExpiredVerification } from '../../src/identity/expired-records.js';
import type { Db } from '../../src/storage/database.js';
import { DEVICE_COOKIE, startPortico, TEST_ANSWERS, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * The second step through openid-client and a cookie-keeping user agent: the second step after the
 * password (emailed code or security questions), remembered devices, enrolment, lockout under
 * parallel attempts, re-enabling by email, operator actions, and acr/amr in the tokens.
 */

const ACR = { trusted: 'urn:portico:acr:trusted-device', second: 'urn:portico:acr:second-step' };

let portico: TestPortico;
let db: Db;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-policy-'));
  const policyFile = path.join(dir, 'policy.json');
  // Resends without waiting, so the tests can ask for new codes; providers re-enabled by the help desk only.
  // Wrong codes lock the ID only past a code's own 5 tries, so that these count the code's tries:
  // the ID's lock by wrong codes of every kind is second-step-code-lockout.test.ts's.
  const lockout = { unlock_by_account_type: { provider: 'help_desk' }, help_desk: 'Call 1-800-555-0100.', max_failed_codes: 10 };
  writeFileSync(policyFile, JSON.stringify({ second_step: { access_code: { resend_throttle_seconds: 0 } }, lockout }));
  portico = await startPortico({ env: { POLICY_FILE: policyFile } });
  db = portico.server.database.db;
});
afterAll(() => portico?.stop());

/** A browser with no remembered device. */
async function freshRp(which: 'firstParty' | 'strict' = 'firstParty') {
  const rp = await RelyingParty.discover(portico.url, which, new UserAgent('http://127.0.0.1:9'));
  return rp;
}

async function latestMail(to: string, template: string) {
  const mail = await db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).where('template', '=', template).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!mail) throw new Error(`no ${template} mail to ${to}`);
  return mail;
}
const accessCode = async (email: string) => /^(\d{6})$/m.exec((await latestMail(email, 'access-code')).text_body)![1]!;

type Page = { url: string; html?: string; response: Response };

async function startSignIn(rp: RelyingParty, login: string, password: string, extra: Record<string, string> = {}) {
  const request = await rp.authorizationRequest(extra);
  const page = await rp.submitSignIn(await rp.browser.follow(request.url), login, password);
  return { request, page };
}

async function post(rp: RelyingParty, page: Page, pattern: RegExp, form: Record<string, string>) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return rp.browser.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

const enterCode = (rp: RelyingParty, page: Page, code: string, remember = false) => post(rp, page, /\/access-code$/, { code, ...(remember ? { remember: 'yes' } : {}) });

async function answerQuestions(rp: RelyingParty, page: Page, answers: Array<{ questionId: string; answer: string }>, remember = false) {
  const form = Object.fromEntries(answers.map((a) => [`answer_${a.questionId}`, a.answer]));
  return post(rp, page, /\/security-questions$/, { ...form, ...(remember ? { remember: 'yes' } : {}) });
}

const atPortal = (page: Page) => page.url.startsWith('http://127.0.0.1:9');
const title = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.html ?? '')?.[1];

describe('the second step on a device not remembered', () => {
  it('asks for the emailed code, shows where it went masked, and states otp in amr and acr', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const rp = await freshRp();
    const { request, page } = await startSignIn(rp, user.username, user.password);
    expect(page.url).toMatch(/\/interaction\/[^/]+\/access-code$/);
    expect(page.html).toContain(`${user.email[0]}*****@example.com`);
    expect(page.html).not.toContain(user.email);
    const back = await enterCode(rp, page, await accessCode(user.email), true);
    expect(atPortal(back)).toBe(true);
    const tokens = await rp.exchange(back.url, request);
    expect(tokens.claims()).toMatchObject({ sub: user.id, amr: ['pwd', 'otp'], acr: ACR.second });
    expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ amr: ['pwd', 'otp'], acr: ACR.second });
    const audit = await db.selectFrom('audit_events').select('action').where('account_id', '=', user.id).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['second_step.code_sent', 'device.trusted', 'sign_in.succeeded']));
  });

  it('reads a code typed in full-width digits with spaces; a code with a letter gets the message beside the field', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const rp = await freshRp();
    const { page } = await startSignIn(rp, user.username, user.password);
    const lettered = await enterCode(rp, page, '12a456');
    expect(lettered.response.status).toBe(400);
    expect(lettered.html).toContain('class="field-error"');
    const fullWidth = [...(await accessCode(user.email))].map((d) => String.fromCharCode(d.charCodeAt(0) - 0x30 + 0xff10)).join('');
    expect(atPortal(await enterCode(rp, lettered, `${fullWidth.slice(0, 3)}\u3000${fullWidth.slice(3)}`))).toBe(true);
  });

  it('remembers the device it was ticked on for that account only; another browser is asked again', async () => {
    const user = await portico.createUser({ trustDevice: false });
    const other = await portico.createUser({ trustDevice: false });
    const rp = await freshRp();
    const first = await startSignIn(rp, user.username, user.password);
    await enterCode(rp, first.page, await accessCode(user.email), true);

    const again = await startSignIn(rp, user.username, user.password, { prompt: 'login' });
    expect(atPortal(again.page)).toBe(true);
    expect((await rp.exchange(again.page.url, again.request)).claims()).toMatchObject({ amr: ['pwd'], acr: ACR.trusted });

    // Same browser, another account: not covered.
    expect((await startSignIn(rp, other.username, other.password, { prompt: 'login' })).page.url).toMatch(/\/access-code$/);
    // Another browser, same account: asked again.
    expect((await startSignIn(await freshRp(), user.username, user.password)).page.url).toMatch(/\/access-code$/);
  });

  it('does not remember a device when the box is not ticked', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const rp = await freshRp();
    const first = await startSignIn(rp, user.username, user.password);
    expect(atPortal(await enterCode(rp, first.page, await accessCode(user.email)))).toBe(true);
    expect(rp.browser.cookies.has(DEVICE_COOKIE)).toBe(false);
    expect((await startSignIn(rp, user.username, user.password, { prompt: 'login' })).page.url).toMatch(/\/access-code$/);
  });

  it('switches to the security questions and states kba; wrong answers say how many tries are left', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const rp = await freshRp();
    const { request, page } = await startSignIn(rp, user.username, user.password);
    const link = /href="(\/interaction\/[^"]+\/security-questions)"/.exec(page.html!)![1]!;
    const questions = await rp.browser.follow(new URL(link, page.url).toString());
    expect(questions.html).toContain('What was the name of your first pet?');
    const wrong = await answerQuestions(rp, questions, [{ questionId: 'first_pet', answer: 'Rex' }, TEST_ANSWERS[1]!]);
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('You can try 4 more times');
    // Case, spacing and look-alike forms do not matter (NFKC).
    const back = await answerQuestions(rp, wrong, [{ questionId: 'first_pet', answer: '  rex   THE ｄｏｇ ' }, TEST_ANSWERS[1]!], true);
    expect(atPortal(back)).toBe(true);
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ amr: ['pwd', 'kba'], acr: ACR.second });
    expect((await findAccountById(db, user.id))!.failed_answer_count).toBe(0);
  });

  it('has an account without questions enrol them once, after its code', async () => {
    const user = await portico.createUser({ trustDevice: false });
    const rp = await freshRp();
    const { page } = await startSignIn(rp, user.username, user.password);
    expect(page.html).not.toContain('security-questions');
    const enrol = await enterCode(rp, page, await accessCode(user.email));
    expect(title(enrol)).toBe('Set your security questions');
    const same = await post(rp, enrol, /\/enrol-questions$/, { question1: 'first_pet', answer1: 'Tom', question2: 'first_pet', answer2: 'Lima' });
    expect(same.response.status).toBe(400);
    expect(same.html).toContain('Choose a different question for each answer.');
    expect(same.html).toContain('<option value="first_pet" selected>');
    const back = await post(rp, same, /\/enrol-questions$/, { question1: 'first_pet', answer1: 'Tom', question2: 'first_car', answer2: 'Lada' });
    expect(atPortal(back)).toBe(true);
    const next = await startSignIn(await freshRp(), user.username, user.password);
    expect(next.page.html).toContain('Answer my security questions instead');
  });
});

describe('access codes', () => {
  it('refuse the sixth try even when right, and a new code does not reset the count', async () => {
    const user = await portico.createUser({ trustDevice: false });
    const rp = await freshRp();
    let { page } = await startSignIn(rp, user.username, user.password);
    const first = await accessCode(user.email);
    const wrongCode = first === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) page = await enterCode(rp, page, wrongCode);
    expect(page.html).toContain('You can try 2 more times');
    page = await post(rp, page, /\/access-code\/resend$/, {});
    expect(page.html).toContain('We sent a new code');
    const second = await accessCode(user.email);
    expect(second).not.toBe(first);
    page = await enterCode(rp, page, first);
    expect(page.html).toContain('You can try 1 more time.');
    page = await enterCode(rp, page, wrongCode);
    const refused = await enterCode(rp, page, second);
    expect(refused.response.status).toBe(400);
    expect(refused.html).toContain('A wrong code was entered too many times');
    // No new code until the exhausted one would have expired.
    expect((await post(rp, refused, /\/access-code\/resend$/, {})).response.status).toBe(429);
  });
});

describe('access codes belong to the sign-in that asked for them', () => {
  const codes = async (email: string) => (await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', 'access-code').orderBy('created_at').execute()).map((m) => /^(\d{6})$/m.exec(m.text_body)![1]!);

  it('a code mailed for one browser\'s sign-in does not finish another\'s; each sign-in gets its own, and both work at once', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const mine = await freshRp();
    const theirs = await freshRp();
    const first = await startSignIn(mine, user.username, user.password);
    const second = await startSignIn(theirs, user.username, user.password);
    const [mineCode, theirCode] = await codes(user.email);
    expect(theirCode).toBeDefined();
    const crossed = await enterCode(theirs, second.page, mineCode!);
    expect(crossed.response.status).toBe(400);
    expect(atPortal(crossed)).toBe(false);
    const [a, b] = await Promise.all([enterCode(mine, first.page, mineCode!), enterCode(theirs, crossed, theirCode!)]);
    expect([atPortal(a), atPortal(b)]).toEqual([true, true]);
  });

  it('showing the code page (GET) mails nothing; only the form posts do', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const rp = await freshRp();
    const { page } = await startSignIn(rp, user.username, user.password);
    expect(await codes(user.email)).toHaveLength(1);
    // Ten minutes later the code has expired; showing the page again must not mail another.
    await db.updateTable('one_time_codes').set({ expires_at: new Date(Date.now() - 1000) }).where('account_id', '=', user.id).execute();
    const again = await rp.browser.follow(page.url);
    expect(again.response.status).toBe(200);
    expect(await codes(user.email)).toHaveLength(1);
    const sent = await post(rp, again, /\/access-code\/resend$/, {});
    expect(sent.html).toContain('We sent a new code');
    expect(await codes(user.email)).toHaveLength(2);
    expect(atPortal(await enterCode(rp, sent, (await codes(user.email))[1]!))).toBe(true);
  });
});

describe('cancel and return to the portal', () => {
  it('a GET only asks; the POST with the form token refuses the sign-in', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const rp = await freshRp();
    const { page } = await startSignIn(rp, user.username, user.password);
    const abortUrl = new URL(/href="(\/interaction\/[^"]+\/abort)"/.exec(page.html!)![1]!, page.url).toString();
    const asked = await rp.browser.follow(abortUrl);
    expect(asked.response.status).toBe(200);
    expect(title(asked)).toBe('Cancel signing in?');
    // Nothing was refused: the sign-in is still where it was.
    expect(title(await rp.browser.follow(page.url))).toBe('Enter your access code');
    const forged = await rp.browser.follow(abortUrl, { form: { csrf: 'forged' } });
    expect(forged.response.status).toBe(403);
    const cancelled = await post(rp, asked, /\/abort$/, {});
    expect(atPortal(cancelled)).toBe(true);
    expect(new URL(cancelled.url).searchParams.get('error')).toBe('access_denied');
  });
});

describe('lockout', () => {
  async function wrongPassword(rp: RelyingParty, login: string) {
    return (await startSignIn(rp, login, 'Wrong7Password1')).page;
  }

  // From a browser the ID has not remembered: the smart lock's allowance for a remembered one is in lockout.test.ts.
  it('locks at the fifth wrong password and refuses the sixth, right or wrong, with the same page', async () => {
    const user = await portico.createUser();
    const rp = await freshRp();
    for (let i = 1; i <= 4; i++) expect((await wrongPassword(rp, user.username)).response.status).toBe(400);
    const fifth = await wrongPassword(rp, user.username);
    expect(title(fifth)).toBe('We can&#39;t let you sign in just yet');
    const right = await startSignIn(rp, user.username, user.password);
    const wrong = await wrongPassword(rp, user.username);
    expect([right.page.response.status, wrong.response.status]).toEqual([403, 403]);
    const strip = (html: string) => html.replace(/name="csrf" value="[^"]+"|\/interaction\/[^/"]+/g, '');
    expect(strip(right.page.html!)).toBe(strip(wrong.html!));
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'disabled', lock_reason: 'failed_passwords', failed_password_count: 5 });
  });

  it('counts 20 parallel wrong passwords as 5, locks once, and checks none after the fifth', async () => {
    const user = await portico.createUser();
    const rp = await freshRp();
    const request = await rp.authorizationRequest();
    const signIn = await rp.browser.follow(request.url);
    const attempts = await Promise.all(Array.from({ length: 20 }, () => rp.submitSignIn(signIn, user.username, 'Wrong7Password1')));
    expect(attempts.every((a) => [400, 403].includes(a.response.status))).toBe(true);
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'disabled', failed_password_count: 5 });
    const events = await db.selectFrom('audit_events').select(['action', sql<string>`details->>'reason'`.as('reason')]).where('account_id', '=', user.id).execute();
    expect(events.filter((e) => e.action === 'account.locked')).toHaveLength(1);
    expect(events.filter((e) => e.action === 'sign_in.failed' && e.reason === 'wrong_password')).toHaveLength(5);
    expect(events.filter((e) => e.action === 'sign_in.failed')).toHaveLength(20);
  });

  it('locks at the fifth wrong set of answers and refuses the sixth even when right', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const rp = await freshRp();
    const { page } = await startSignIn(rp, user.username, user.password);
    let current = await rp.browser.follow(new URL(/href="(\/interaction\/[^"]+\/security-questions)"/.exec(page.html!)![1]!, page.url).toString());
    const wrong = [{ questionId: 'first_pet', answer: 'nope' }, TEST_ANSWERS[1]!];
    for (let i = 1; i <= 4; i++) current = await answerQuestions(rp, current, wrong);
    const fifth = await answerQuestions(rp, current, wrong);
    expect(title(fifth)).toBe('We can&#39;t let you sign in just yet');
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'disabled', lock_reason: 'failed_answers' });
    const again = await startSignIn(await freshRp(), user.username, user.password);
    expect(title(again.page)).toBe('We can&#39;t let you sign in just yet');
  });
});

describe('re-enabling a locked ID', () => {
  async function lock(user: { username: string }) {
    const rp = await RelyingParty.discover(portico.url);
    let page: Page | undefined;
    for (let i = 0; i < 5; i++) page = (await startSignIn(rp, user.username, 'Wrong7Password1')).page;
    return { rp, page: page! };
  }
  const unlockToken = async (email: string) => /\/unlock\?token=([A-Za-z0-9_-]{43})/.exec((await latestMail(email, 'unlock')).text_body)![1]!;

  it('by the emailed link, once; the link then refuses, and sign-in works again', async () => {
    const user = await portico.createUser();
    const { rp, page } = await lock(user);
    const sent = await post(rp, page, /\/locked\/send-email$/, {});
    // The address is not shown: a made-up name's locked page answers the same (lockout.test.ts).
    expect(sent.html).toContain('If your ID can be re-enabled by email, we sent a link to the address on it.');
    const token = await unlockToken(user.email);
    const elsewhere = new UserAgent('http://127.0.0.1:9');
    const confirm = await elsewhere.follow(`${portico.url}/unlock?token=${token}`);
    expect((await findAccountById(db, user.id))!.status).toBe('disabled');
    const done = await elsewhere.follow(`${portico.url}/unlock`, { form: { token, csrf: hiddenInput(confirm.html!, 'csrf')! } });
    expect(title(done)).toBe('Your ID is enabled again');
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'active', failed_password_count: 0, lock_reason: null });
    const reused = await elsewhere.follow(`${portico.url}/unlock`, { form: { token, csrf: hiddenInput(confirm.html!, 'csrf')! } });
    expect(reused.response.status).toBe(400);
    expect(atPortal((await startSignIn(rp, user.username, user.password)).page)).toBe(true);
  });

  it('refuses an expired link', async () => {
    const user = await portico.createUser();
    const { rp, page } = await lock(user);
    await post(rp, page, /\/locked\/send-email$/, {});
    const token = await unlockToken(user.email);
    await db.updateTable('one_time_codes').set({ expires_at: new Date(Date.now() - 1000) }).where('account_id', '=', user.id).where('purpose', '=', 'unlock').execute();
    const agent = new UserAgent('http://127.0.0.1:9');
    const confirm = await agent.follow(`${portico.url}/unlock?token=${token}`);
    const refused = await agent.follow(`${portico.url}/unlock`, { form: { token, csrf: hiddenInput(confirm.html!, 'csrf')! } });
    expect(refused.response.status).toBe(400);
    expect(refused.html).toContain('This link has expired.');
    expect((await findAccountById(db, user.id))!.status).toBe('disabled');
  });

  it('gives account types the policy reserves for the help desk no link, only whom to contact', async () => {
    const user = await portico.createUser();
    await db.updateTable('accounts').set({ account_type: 'provider' }).where('id', '=', user.id).execute();
    const { rp, page } = await lock(user);
    expect(page.html).toContain('Call 1-800-555-0100.');
    expect(page.html).not.toContain('Send email to re-enable');
    const forged = await rp.browser.follow(new URL(page.url.replace(/\/login$/, '') + '/locked/send-email', page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')! } });
    expect(forged.html).not.toContain('We sent an email');
    expect(await db.selectFrom('mail_outbox').select('id').where('to_address', '=', user.email).where('template', '=', 'unlock').execute()).toEqual([]);
  });
});

describe('a portal that demands the second step', () => {
  it('gets it from a remembered device too, by configuration or by acr_values', async () => {
    const user = await portico.createUser({ withAnswers: true });
    const strict = await RelyingParty.discover(portico.url, 'strict');
    const { page } = await startSignIn(strict, user.username, user.password);
    expect(page.url).toMatch(/\/access-code$/);

    const rp = await RelyingParty.discover(portico.url);
    const trusted = await startSignIn(rp, user.username, user.password);
    expect((await rp.exchange(trusted.page.url, trusted.request)).claims()).toMatchObject({ acr: ACR.trusted });
    // Signed in already (acr trusted-device): asking for the second-step acr sends the person through sign-in again.
    const request = await rp.authorizationRequest({ acr_values: ACR.second });
    const signIn = await rp.browser.follow(request.url);
    expect(title(signIn as Page)).toBe('Sign in');
    const step = await rp.submitSignIn(signIn, user.username, user.password);
    const back = await enterCode(rp, step, await accessCode(user.email));
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ acr: ACR.second, amr: ['pwd', 'otp'] });
  });
});

describe('operator actions, at the next sign-in', () => {
  it('forget-devices brings the second step back; reset-security-questions brings enrolment back', async () => {
    const user = await portico.createUser({ withAnswers: true });
    const account = (await findAccountById(db, user.id))!;
    expect(await operatorAction(db, account, 'forget_devices', 'helpdesk-ann')).toBe(true);
    const asked = await startSignIn(await RelyingParty.discover(portico.url), user.username, user.password);
    expect(asked.page.url).toMatch(/\/access-code$/);
    expect(await operatorAction(db, account, 'reset_security_questions', 'helpdesk-ann')).toBe(true);
    const rp = await freshRp();
    const { page } = await startSignIn(rp, user.username, user.password);
    expect(title(await enterCode(rp, page, await accessCode(user.email)))).toBe('Set your security questions');
    const audit = await db.selectFrom('audit_events').select(['action', 'actor']).where('account_id', '=', user.id).where('action', 'like', 'operator.%').execute();
    expect(audit).toEqual([
      { action: 'operator.forget_devices', actor: 'operator:helpdesk-ann' },
      { action: 'operator.reset_security_questions', actor: 'operator:helpdesk-ann' },
    ]);
  });

  it('disable shows the locked page with the help desk, enable and unlock let the person in again', async () => {
    const user = await portico.createUser();
    const account = (await findAccountById(db, user.id))!;
    await operatorAction(db, account, 'disable', 'helpdesk-bo');
    const rp = await RelyingParty.discover(portico.url);
    const refused = (await startSignIn(rp, user.username, user.password)).page;
    expect(title(refused)).toBe('We can&#39;t let you sign in just yet');
    // An account the help desk disabled is never re-enabled by an emailed link.
    expect(refused.html).not.toContain('Send email to re-enable');
    await operatorAction(db, account, 'enable', 'helpdesk-bo');
    expect(atPortal((await startSignIn(rp, user.username, user.password)).page)).toBe(true);

    for (let i = 0; i < 5; i++) await startSignIn(rp, user.username, 'Wrong7Password1', { prompt: 'login' });
    expect((await findAccountById(db, user.id))!.status).toBe('disabled');
    await operatorAction(db, account, 'unlock', 'helpdesk-bo');
    expect(atPortal((await startSignIn(rp, user.username, user.password, { prompt: 'login' })).page)).toBe(true);
  });
});

describe('housekeeping', () => {
  it('deletes flows and remembered devices an hour after they expire or are forgotten', async () => {
    const user = await portico.createUser({ trustDevice: false });
    const long = new Date(Date.now() + 86_400_000);
    await db.insertInto('trusted_devices').values([
      { account_id: user.id, token_hash: 'live', label: 'live', expires_at: long },
      { account_id: user.id, token_hash: 'revoked', label: 'revoked', expires_at: long, revoked_at: new Date(Date.now() - 2 * 3600_000) },
      { account_id: user.id, token_hash: 'expired', label: 'expired', expires_at: new Date(Date.now() - 2 * 3600_000) },
    ]).execute();
    await db.insertInto('flows').values([
      { id_hash: `old-${user.id}`, kind: 'sign_in', state: 'second_step', account_id: user.id, data: '{"amr":["pwd"]}', expires_at: new Date(Date.now() - 2 * 3600_000), created_at: new Date(), updated_at: new Date() },
      { id_hash: `live-${user.id}`, kind: 'sign_in', state: 'enrol', account_id: user.id, data: '{"amr":["pwd"]}', expires_at: long, created_at: new Date(), updated_at: new Date() },
    ]).execute();
    await purgeExpiredVerification(db);
    expect((await db.selectFrom('trusted_devices').select('label').where('account_id', '=', user.id).execute()).map((d) => d.label)).toEqual(['live']);
    expect((await db.selectFrom('flows').select('id_hash').where('account_id', '=', user.id).execute()).map((f) => f.id_hash)).toEqual([`live-${user.id}`]);
  });
});
