import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { portalOrigin, startPortico, TEST_ANSWERS, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';
import { neutralPage } from '../support/neutral-page.js';

/*
 * The password and security-answer lock through the hosted pages: only failures count, so
 * right secrets sent at once all get in; a made-up username reaches the same locked page at
 * the same count as a real one; and the smart lock (the default) keeps a remembered device
 * working for its owner while the hard lock disables the ID until it is unlocked.
 */

type Page = { url: string; html?: string; response: Response };
const title = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.html ?? '')?.[1];
const atPortal = (page: Page) => page.url.startsWith(portalOrigin);
const LOCKED = 'We can&#39;t let you sign in just yet';

/** The tests' usual browser: the device createUser() remembers for each account. */
const rememberedRp = (portico: TestPortico) => RelyingParty.discover(portico.url);
/** A browser no ID has remembered. */
const freshRp = (portico: TestPortico) => RelyingParty.discover(portico.url, 'firstParty', new UserAgent(portalOrigin));

async function signInPage(rp: RelyingParty) {
  return rp.browser.follow((await rp.authorizationRequest()).url);
}

async function signIn(rp: RelyingParty, login: string, password: string) {
  return rp.submitSignIn(await signInPage(rp), login, password);
}

/** Each sign-in from its own browser, all sent at the same moment. */
async function signInAtOnce(portico: TestPortico, attempts: Array<{ login: string; password: string }>, browser = freshRp) {
  const ready = await Promise.all(attempts.map(async (a) => ({ ...a, rp: await browser(portico), page: undefined as Page | undefined })));
  for (const r of ready) r.page = await signInPage(r.rp);
  return Promise.all(ready.map((r) => r.rp.submitSignIn(r.page!, r.login, r.password)));
}

const sendEmail = (rp: RelyingParty, page: Page) =>
  rp.browser.follow(new URL(formAction(page.html!, /\/locked\/send-email$/)!, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')! } });

const neutral = (html: string, login: string) => neutralPage(html, login, 'LOGIN');

describe('with the default (smart) lock', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startPortico();
  });
  afterAll(() => portico?.stop());

  it('lets 8 right passwords sent at once all in, and 6 right with 1 wrong never lock the ID', async () => {
    const user = await portico.createUser();
    const right = await signInAtOnce(portico, Array.from({ length: 8 }, () => ({ login: user.username, password: user.password })), rememberedRp);
    expect(right.map((page) => (atPortal(page) ? 'signed in' : `${page.response.status} ${title(page)}`))).toEqual(Array(8).fill('signed in'));
    expect(await findAccountById(portico.server.database.db, user.id)).toMatchObject({ status: 'active', failed_password_count: 0 });

    const other = await portico.createUser();
    const mixed = await signInAtOnce(portico, [{ login: other.username, password: 'Wrong7Password1' }, ...Array.from({ length: 6 }, () => ({ login: other.username, password: other.password }))], rememberedRp);
    expect(mixed[0]!.response.status).toBe(400);
    expect(mixed.slice(1).map((page) => (atPortal(page) ? 'signed in' : `${page.response.status} ${title(page)}`))).toEqual(Array(6).fill('signed in'));
    expect((await findAccountById(portico.server.database.db, other.id))!.status).toBe('active');
  });

  it('lets right answers sent at once all through the second step', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const browsers = await Promise.all(Array.from({ length: 7 }, () => freshRp(portico)));
    const questions = await Promise.all(
      browsers.map(async (rp) => {
        const codePage = await signIn(rp, user.username, user.password);
        return rp.browser.follow(new URL(/href="(\/interaction\/[^"]+\/security-questions)"/.exec(codePage.html!)![1]!, codePage.url).toString());
      }),
    );
    const form = Object.fromEntries(TEST_ANSWERS.map((a) => [`answer_${a.questionId}`, a.answer]));
    const answered = await Promise.all(
      browsers.map((rp, i) => rp.browser.follow(new URL(formAction(questions[i]!.html!, /\/security-questions$/)!, questions[i]!.url).toString(), { form: { csrf: hiddenInput(questions[i]!.html!, 'csrf')!, ...form } })),
    );
    expect(answered.map((page) => (atPortal(page) ? 'signed in' : `${page.response.status} ${title(page)}`))).toEqual(Array(7).fill('signed in'));
    expect((await findAccountById(portico.server.database.db, user.id))!.status).toBe('active');
  });

  it('shows a made-up username the same locked page, with the same status, at the same count as a real one', async () => {
    const user = await portico.createUser();
    const madeUp = `nobody${user.username}`;
    const answers: Record<string, Array<{ status: number; page: string }>> = { real: [], madeUp: [] };
    const browsers = { real: await freshRp(portico), madeUp: await freshRp(portico) };
    const pages: { real?: Page; madeUp?: Page } = {};
    for (const [side, login] of [['real', user.username], ['madeUp', madeUp]] as const) {
      for (let i = 1; i <= 6; i++) {
        const page = await signIn(browsers[side], login, 'Wrong7Password1');
        pages[side] = page;
        answers[side]!.push({ status: page.response.status, page: neutral(page.html!, login) });
      }
    }
    expect(answers.real!.map((a) => a.status)).toEqual([400, 400, 400, 400, 403, 403]);
    expect(answers.madeUp).toEqual(answers.real);
    expect(answers.real![4]!.page).toContain(LOCKED);
    // "Send email to re-enable", twice (the second within the minute the real one is throttled).
    for (let i = 0; i < 2; i++) {
      for (const [side, rp] of Object.entries(browsers)) {
        const page = await sendEmail(rp, pages[side as keyof typeof pages]!);
        pages[side as keyof typeof pages] = page;
        answers[side]!.push({ status: page.response.status, page: neutral(page.html!, side === 'real' ? user.username : madeUp) });
      }
    }
    expect(answers.madeUp).toEqual(answers.real);
    expect(answers.real![6]!.page).toContain('we sent a link to the address on it');
    expect(await portico.server.database.db.selectFrom('mail_outbox').select('template').where('to_address', '=', user.email).execute()).toEqual([{ template: 'unlock' }]);
    // No name is kept in the clear.
    const decoys = await portico.server.database.db.selectFrom('sign_in_decoys').selectAll().execute();
    expect(JSON.stringify(decoys).toLowerCase()).not.toContain(madeUp.toLowerCase());
  });

  it('answers an attempt held back behind checks in flight with "try again", never the locked page; a dead process\'s reservations lapse', async () => {
    const user = await portico.createUser();
    const db = portico.server.database.db;
    // Five checks in flight, as a process that died mid-check would leave them.
    await db.updateTable('accounts').set({ password_in_flight: 5, password_in_flight_until: new Date(Date.now() + 30_000) }).where('id', '=', user.id).execute();
    const held = await signIn(await rememberedRp(portico), user.username, user.password);
    expect(held.response.status).toBe(429);
    expect(held.html).toContain('Wait a moment and try again.');
    expect(title(held)).not.toBe(LOCKED);
    await db.updateTable('accounts').set({ password_in_flight_until: new Date(Date.now() - 1000) }).where('id', '=', user.id).execute();
    expect(atPortal(await signIn(await rememberedRp(portico), user.username, user.password))).toBe(true);
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'active', password_in_flight: 0 });
  });

  it('keeps the locked page for a fresh browser while the remembered device signs in with the right password', async () => {
    const user = await portico.createUser();
    const attacker = await freshRp(portico);
    let page: Page | undefined;
    for (let i = 0; i < 5; i++) page = await signIn(attacker, user.username, 'Wrong7Password1');
    expect(title(page!)).toBe(LOCKED);
    const stranger = await signIn(await freshRp(portico), user.username, user.password);
    expect([stranger.response.status, title(stranger)]).toEqual([403, LOCKED]);

    const owner = await signIn(await rememberedRp(portico), user.username, user.password);
    expect(atPortal(owner)).toBe(true);
    expect(await findAccountById(portico.server.database.db, user.id)).toMatchObject({ status: 'active', lock_reason: null, failed_password_count: 0 });
  });

  it('gives a remembered device no more than the limit of wrong passwords again, then locks it out too', async () => {
    const user = await portico.createUser();
    const attacker = await freshRp(portico);
    for (let i = 0; i < 5; i++) await signIn(attacker, user.username, 'Wrong7Password1');
    const device = await rememberedRp(portico);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await signIn(device, user.username, 'Wrong7Password1')).response.status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 403]);
    expect((await signIn(device, user.username, user.password)).response.status).toBe(403);
    expect(await findAccountById(portico.server.database.db, user.id)).toMatchObject({ status: 'disabled', failed_password_count: 10 });
  });
});

describe('with lockout.mode "hard"', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startPortico({ policy: { lockout: { mode: 'hard' } } });
  });
  afterAll(() => portico?.stop());

  it('refuses the remembered device too until the ID is unlocked', async () => {
    const user = await portico.createUser();
    const attacker = await freshRp(portico);
    for (let i = 0; i < 5; i++) await signIn(attacker, user.username, 'Wrong7Password1');
    const owner = await signIn(await rememberedRp(portico), user.username, user.password);
    expect([owner.response.status, title(owner)]).toEqual([403, LOCKED]);
    expect(await findAccountById(portico.server.database.db, user.id)).toMatchObject({ status: 'disabled', lock_reason: 'failed_passwords' });
  });
});
