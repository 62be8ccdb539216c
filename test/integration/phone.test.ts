import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneSchema } from '../../src/config/policy-phone.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { operatorAction } from '../../src/identity/account-admin.js';
import { ACR } from '../../src/identity/second-step/assurance.js';
import { sendPhoneCode } from '../../src/identity/second-step/phone-send.js';
import { createLogger } from '../../src/log.js';
import { createPhoneGateway } from '../../src/notify/phone-gateway.js';
import type { Db } from '../../src/storage/database.js';
import { startFakeTwilio, FAKE_TWILIO_TOKEN, type FakeTwilio } from '../support/fake-twilio.js';
import { DEVICE_COOKIE, startPortico, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * The phone second step against a fake of Twilio's REST API (test/support/fake-twilio.ts):
 * a number set up from the account page, sign-ins by text and by call, a number change, bad
 * numbers and codes answered beside their field, the toll-fraud limits under parallel sends,
 * and a gateway that fails or hangs: the person is told to try another way, nothing half done.
 */

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});

let twilio: FakeTwilio;
let portico: TestPortico;
let db: Db;
const policy = {
  second_step: {
    methods: ['passkey', 'authenticator_app', 'phone', 'email_code', 'security_questions'],
    // No wait between codes here (the 30-second rule has its own test); one address sends everything.
    phone: { min_seconds_between_codes: 0, per_number_per_hour: 5, per_account_per_hour: 5, per_ip_per_hour: 10_000 },
  },
};

beforeAll(async () => {
  twilio = await startFakeTwilio();
  portico = await startPortico({ env: twilio.env, policy, logger: createLogger('info', capture) });
  db = portico.server.database.db;
});
afterAll(async () => {
  await portico?.stop();
  await twilio?.stop();
});

type Page = Awaited<ReturnType<UserAgent['follow']>>;

let numbers = 0;
/** A fresh valid US number each time: +1 201 555 01xx. */
const freshNumber = () => {
  const n = String(10 + (numbers++ % 90)).padStart(2, '0');
  return { typed: `(201) 555-01${n}`, e164: `+1201555${'01' + n}` };
};
const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!;
const lastText = (to: string) => [...twilio.messages].reverse().find((m) => m.to === to);
const actions = async (accountId: string) => (await db.selectFrom('audit_events').select('action').where('account_id', '=', accountId).execute()).map((e) => e.action);

async function userWithPhone(input: { trustDevice?: boolean } = {}) {
  const user = await portico.createUser({ trustDevice: input.trustDevice ?? false, withAnswers: true });
  const number = freshNumber();
  await db.insertInto('phone_numbers').values({ account_id: user.id, e164: number.e164 }).execute();
  return { ...user, number };
}

async function post(agent: UserAgent, page: Page, pattern: RegExp, form: Record<string, string> = {}) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return agent.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

/** The sign-in's phone page, after the password. */
async function atPhoneStep(user: { username: string; password: string }, agent = new UserAgent('http://127.0.0.1:9')) {
  const rp = await RelyingParty.discover(portico.url, 'firstParty', agent);
  const request = await rp.authorizationRequest();
  const page = await rp.submitSignIn(await rp.browser.follow(request.url), user.username, user.password);
  expect(page.url).toMatch(/\/interaction\/[^/]+\/phone$/);
  return { rp, request, page };
}

/** POSTs to one of the method's actions (text or call): their URLs sit on the forms' action and formaction. */
async function act(rp: RelyingParty, page: Page, name: 'text' | 'call') {
  const url = `${page.url.replace(/\/phone(\/\w+)?$/, '/phone')}/${name}`;
  return rp.browser.follow(url, { form: { csrf: hiddenInput(page.html!, 'csrf')! } });
}

/** Signs in to /account in a browser that remembers the test device. */
async function openAccount(user: { username: string; password: string }) {
  const agent = new UserAgent('http://127.0.0.1:9');
  agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
  const signIn = await agent.follow(`${portico.url}/account`);
  const action = /action="([^"]+\/login)"/.exec(signIn.html!)![1]!;
  await agent.follow(new URL(action, signIn.url).toString(), { form: { csrf: hiddenInput(signIn.html!, 'csrf')!, login: user.username, password: user.password } });
  return { agent, page: await agent.follow(`${portico.url}/account/phone`) };
}

const accountPost = (agent: UserAgent, page: Page, path: string, form: Record<string, string> = {}) => agent.follow(`${portico.url}/account/phone${path}`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });

describe('setting a phone number up on the account page', () => {
  it('sends a code by text, stores the number only once the code comes back, audits it and mails the owner', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    expect(page.response.status).toBe(200);
    expect(page.html).toContain('name="number"');
    const number = freshNumber();
    const sent = await accountPost(agent, page, '/new', { number: number.typed, channel: 'text' });
    expect(sent.response.status).toBe(200);
    expect(sent.html).toContain(`ending in ${number.e164.slice(-2)}`);
    const text = lastText(number.e164)!;
    expect(text.from).toBe(twilio.env.TWILIO_FROM_NUMBER);
    expect(text.body).toMatch(/Your Portico code is \d{6}\./);
    // Pending is not enrolled: nothing signs in with it yet.
    expect(await db.selectFrom('phone_numbers').select('e164').where('account_id', '=', user.id).executeTakeFirst()).toBeUndefined();

    const wrong = await accountPost(agent, sent, '/confirm', { code: codeIn(text.body) === '000000' ? '111111' : '000000' });
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('That code is not correct');
    const done = await accountPost(agent, wrong, '/confirm', { code: codeIn(text.body) });
    expect(done.html).toContain('Your phone number was set up.');
    expect(done.html).toContain(`Your phone number ends in ${number.e164.slice(-2)}`);
    expect(await db.selectFrom('phone_numbers').select('e164').where('account_id', '=', user.id).executeTakeFirst()).toEqual({ e164: number.e164 });
    expect(await actions(user.id)).toContain('phone.enrolled');
    const mails = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', user.email).where('template', '=', 'account-changed').execute();
    expect(mails.map((m) => m.text_body).join('\n')).toContain('just set up a phone number');
  });

  it('refuses bad numbers beside the field, each with its own words, and sends nothing', async () => {
    const user = await portico.createUser();
    const { agent, page } = await openAccount(user);
    const before = twilio.messages.length + twilio.calls.length;
    const cases: Array<[string, RegExp]> = [
      ['call me maybe', /Enter a phone number, for example/],
      ['12', /Enter a phone number, for example/],
      ['+44 7400 123456', /We can only send codes to numbers in: US\./],
      ['+1 900 555 0100', /cannot send codes to this kind of number/],
      ['+1 800 555 0199', /cannot send codes to this kind of number/],
      [`+1 201 555 0123${' '.repeat(30)}`, /too long for a phone number/],
    ];
    for (const [number, words] of cases) {
      const answer = await accountPost(agent, page, '/new', { number, channel: 'text' });
      expect(answer.response.status, number).toBe(400);
      expect(answer.html, number).toMatch(words);
      expect(answer.html, number).toContain('id="number-error"');
    }
    expect(twilio.messages.length + twilio.calls.length).toBe(before);
    expect(await db.selectFrom('phone_pending').select('account_id').where('account_id', '=', user.id).executeTakeFirst()).toBeUndefined();
  });
});

describe('signing in with the phone', () => {
  it('offers the phone before the emailed code, texts a code and accepts it with spaces; amr sms', async () => {
    const user = await userWithPhone();
    const { rp, request, page } = await atPhoneStep(user);
    expect(page.html).toContain(`ending in ${user.number.e164.slice(-2)}`);
    expect(page.html).toContain('Text me');
    expect(page.html).toContain('Call me');
    expect(page.html).toContain('Email me an access code instead');
    const sent = await act(rp, page, 'text');
    expect(sent.response.status).toBe(200);
    expect(sent.html).toContain('We texted a code');
    const code = codeIn(lastText(user.number.e164)!.body);
    const back = await post(rp.browser, sent, /\/phone$/, { code: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(back.url.startsWith('http://127.0.0.1:9')).toBe(true);
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ sub: user.id, amr: ['pwd', 'sms'], acr: ACR.secondStep });
  });

  it('calls with the code spoken digit by digit, twice, and accepts full-width digits; amr tel', async () => {
    const user = await userWithPhone();
    const { rp, request, page } = await atPhoneStep(user);
    const sent = await act(rp, page, 'call');
    expect(sent.html).toContain('We are calling');
    const call = [...twilio.calls].reverse().find((c) => c.to === user.number.e164)!;
    expect(call.twiml).toContain('<Say language="en-US">');
    const code = /(\d), (\d), (\d), (\d), (\d), (\d)/.exec(call.twiml)!.slice(1).join('');
    expect(call.twiml.split(code.split('').join(', ')).length - 1).toBe(2);
    expect(call.twiml).toContain('<Pause');
    const fullWidth = code.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    const back = await post(rp.browser, sent, /\/phone$/, { code: fullWidth });
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ amr: ['pwd', 'tel'] });
  });

  it('speaks Spanish to a Spanish-speaking person', async () => {
    const user = await userWithPhone();
    await db.updateTable('accounts').set({ locale: 'es' }).where('id', '=', user.id).execute();
    const agent = new UserAgent('http://127.0.0.1:9');
    agent.headers['accept-language'] = 'es';
    const { rp, page } = await atPhoneStep(user, agent);
    await act(rp, page, 'call');
    const call = [...twilio.calls].reverse().find((c) => c.to === user.number.e164)!;
    expect(call.twiml).toContain('<Say language="es-US">');
    expect(call.twiml).toContain('Su código es');
  });

  it('answers bad codes beside the field: letters refused, wrong ones counted, never a 5xx', async () => {
    const user = await userWithPhone();
    const { rp, page } = await atPhoneStep(user);
    const sent = await act(rp, page, 'text');
    const letters = await post(rp.browser, sent, /\/phone$/, { code: '12a456' });
    expect(letters.response.status).toBe(400);
    expect(letters.html).toContain('The code has only digits');
    const short = await post(rp.browser, sent, /\/phone$/, { code: '123' });
    expect(short.html).toContain('Enter the 6-digit code from your phone.');
    const code = codeIn(lastText(user.number.e164)!.body);
    const wrong = await post(rp.browser, sent, /\/phone$/, { code: code === '999999' ? '000000' : '999999' });
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('That code is not correct');
    const counter = await db.selectFrom('code_failures').select('failures').where('subject', '=', user.id).where('door', '=', 'password').executeTakeFirst();
    expect(counter?.failures).toBe(1);
  });

  it('lets exactly the hourly cap of 50 parallel sends through, and tells the rest why (429, not a 5xx)', async () => {
    const user = await userWithPhone();
    const { rp, page } = await atPhoneStep(user);
    const before = twilio.messages.length;
    const answers = await Promise.all(Array.from({ length: 50 }, () => act(rp, page, 'text')));
    const statuses = answers.map((a) => a.response.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(45);
    expect(answers.find((a) => a.response.status === 429)!.html).toContain('Too many codes were sent');
    expect(twilio.messages.length - before).toBe(5);
  });
});

describe('a gateway that fails', () => {
  for (const mode of ['fail', 'hang'] as const) {
    it(`(${mode === 'fail' ? 'HTTP 500' : 'no answer'}) gives "try another way" at sign-in and on the account page, and leaves nothing half done`, async () => {
      const user = await userWithPhone();
      const { rp, page } = await atPhoneStep(user);
      twilio.mode = mode;
      try {
        const failed = await act(rp, page, 'text');
        expect(failed.response.status).toBe(200);
        expect(failed.html).toContain('Try another way');
        expect(failed.html).toMatch(/href="\/interaction\/[^"]+\/access-code">Email me an access code instead/);
        expect(failed.html).not.toContain('name="code"');
        expect(await db.selectFrom('one_time_codes').select('id').where('account_id', '=', user.id).execute()).toEqual([]);
        expect(await db.selectFrom('phone_outbox').select('id').where('account_id', '=', user.id).execute()).toEqual([]);

        const newcomer = await portico.createUser();
        const { agent, page: account } = await openAccount(newcomer);
        const enrol = await accountPost(agent, account, '/new', { number: freshNumber().typed, channel: 'call' });
        expect(enrol.response.status).toBe(200);
        expect(enrol.html).toContain('Try another way');
        expect(await db.selectFrom('phone_numbers').select('e164').where('account_id', '=', newcomer.id).executeTakeFirst()).toBeUndefined();
        expect(await db.selectFrom('phone_pending').select('new_e164').where('account_id', '=', newcomer.id).executeTakeFirst()).toBeUndefined();
      } finally {
        twilio.mode = 'ok';
      }
      expect(await actions(user.id)).toContain('phone.send_failed');
    });
  }
});

describe('changing the number', () => {
  it('needs a code from the current number first, then one from the new; both numbers and the email are told', async () => {
    const user = await userWithPhone({ trustDevice: true });
    const { agent, page } = await openAccount(user);
    expect(page.html).toContain('first confirm you still have the number');
    const next = freshNumber();
    const early = await accountPost(agent, page, '/new', { number: next.typed, channel: 'text' });
    expect(early.response.status).toBe(409);
    expect(lastText(next.e164)).toBeUndefined();

    const toCurrent = await accountPost(agent, page, '/current', { channel: 'text' });
    const proved = await accountPost(agent, toCurrent, '/current/confirm', { code: codeIn(lastText(user.number.e164)!.body) });
    expect(proved.html).toContain('Now enter your new number');
    // A first new number, then "Use a different number": the proof of the current one still counts.
    const mistaken = await accountPost(agent, proved, '/new', { number: freshNumber().typed, channel: 'text' });
    const again = await accountPost(agent, mistaken, '/cancel');
    expect(again.html).toContain('name="number"');
    const toNew = await accountPost(agent, again, '/new', { number: next.typed, channel: 'text' });
    const done = await accountPost(agent, toNew, '/confirm', { code: codeIn(lastText(next.e164)!.body) });
    expect(done.html).toContain('Your phone number was changed.');
    expect(await db.selectFrom('phone_numbers').select('e164').where('account_id', '=', user.id).executeTakeFirst()).toEqual({ e164: next.e164 });
    expect(lastText(user.number.e164)!.body).toContain('was just changed');
    expect(lastText(next.e164)!.body).toContain('was just changed');
    const mails = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', user.email).execute();
    expect(mails.map((m) => m.text_body).join('\n')).toContain('just changed its phone number');
    expect(await actions(user.id)).toContain('phone.changed');
  });

  it('can be removed from its page, audited and mailed to the owner; the sign-in then offers the emailed code', async () => {
    const user = await userWithPhone({ trustDevice: true });
    const { agent, page } = await openAccount(user);
    const removed = await accountPost(agent, page, '/remove');
    expect(removed.html).toContain('The phone number was removed.');
    expect(await db.selectFrom('phone_numbers').select('e164').where('account_id', '=', user.id).executeTakeFirst()).toBeUndefined();
    expect(await actions(user.id)).toContain('phone.removed');
    const mails = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', user.email).execute();
    expect(mails.map((m) => m.text_body).join('\n')).toContain('just removed its phone number');
    const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
    const next = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, user.password);
    expect(next.url).toMatch(/\/access-code$/);
  });

  it('is possible through the help desk (users reset-phone), which removes the number and tells the owner', async () => {
    const user = await userWithPhone();
    const account = (await findAccountById(db, user.id))!;
    expect(await operatorAction(db, account, 'reset_phone', 'test-operator')).toBe(true);
    expect(await operatorAction(db, account, 'reset_phone', 'test-operator')).toBe(false);
    expect(await db.selectFrom('phone_numbers').select('e164').where('account_id', '=', user.id).executeTakeFirst()).toBeUndefined();
    expect(await actions(user.id)).toContain('operator.reset_phone');
  });
});

describe('the limits', () => {
  const gateway = () => createPhoneGateway({ twilio: undefined, production: false, issuer: portico.url }, createLogger('silent'));
  const limits = phoneSchema.parse({ min_seconds_between_codes: 30, per_number_per_hour: 5, per_account_per_hour: 5, per_ip_per_hour: 20 });

  it('send one code per number per 30 seconds, whoever asks', async () => {
    const env = { db, gateway: gateway(), policy: limits, issuer: portico.url };
    const [a, b] = [await portico.createUser(), await portico.createUser()];
    const number = freshNumber().e164;
    const send = async (id: string, binding: string) => sendPhoneCode(env, (await findAccountById(db, id))!, number, 'text', { purpose: 'phone_sign_in', binding });
    expect(await send(a.id, 'x')).toEqual({ ok: true });
    expect(await send(b.id, 'y')).toMatchObject({ ok: false, reason: 'wait' });
  });

  it('cap codes per address across accounts and numbers, exactly, under 30 parallel sends', async () => {
    const env = { db, gateway: gateway(), policy: { ...limits, min_seconds_between_codes: 0 }, issuer: portico.url };
    const users = await Promise.all(Array.from({ length: 30 }, () => portico.createUser()));
    const accounts = await Promise.all(users.map(async (u) => (await findAccountById(db, u.id))!));
    const results = await Promise.all(accounts.map((account) => sendPhoneCode(env, account, freshNumber().e164, 'text', { purpose: 'phone_sign_in', binding: 'z' }, { ip: '203.0.113.9' })));
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    expect(results.filter((r) => !r.ok && r.reason === 'capped')).toHaveLength(10);
  });
});

describe('the log', () => {
  it('never holds a whole number, a code or the auth token', async () => {
    const log = lines.join('');
    expect(log).toContain('phone message');
    expect(log).not.toContain(FAKE_TWILIO_TOKEN);
    for (const m of twilio.messages) {
      expect(log).not.toContain(m.to);
      expect(log).not.toContain(codeIn(m.body.includes('code is') ? m.body : '000000 x'));
    }
  });
});

describe('without Twilio', () => {
  it('keeps texts and calls in the dev outbox, shown below the mail', async () => {
    const dev = await startPortico({ policy });
    try {
      const user = await dev.createUser({ trustDevice: false });
      await dev.server.database.db.insertInto('phone_numbers').values({ account_id: user.id, e164: '+12015550177' }).execute();
      const rp = await RelyingParty.discover(dev.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
      const page = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, user.password);
      await rp.browser.follow(`${page.url}/text`, { form: { csrf: hiddenInput(page.html!, 'csrf')! } });
      const outbox = await (await fetch(`${dev.url}/dev/outbox`)).text();
      expect(outbox).toContain('Texts and calls');
      expect(outbox).toContain('+12015550177');
      expect(outbox).toMatch(/Your Portico code is \d{6}\./);
    } finally {
      await dev.stop();
    }
  });
});
