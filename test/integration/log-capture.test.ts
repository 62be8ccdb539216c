import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { Db } from '../../src/storage/database.js';
import { clients, startPortico, TEST_ANSWERS, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';
import { waitUntil } from '../support/wait.js';

/*
 * Every journey, logged at the most detailed level, and then the whole log
 * searched for what must never be in it: passwords, security answers, emailed codes and
 * links, tokens, authorization codes, client secrets, cookie values and mail bodies.
 */

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});

let portico: TestPortico;
let db: Db;
/** Everything that must not appear in the log; filled in as the journeys run. */
const secrets = new Set<string>();
const keep = (...values: Array<string | undefined>) => values.forEach((v) => v && v.length >= 6 && secrets.add(v));

beforeAll(async () => {
  portico = await startPortico({ logger: createLogger('trace', capture) });
  db = portico.server.database.db;
});
afterAll(() => portico?.stop());

type Page = Awaited<ReturnType<UserAgent['follow']>>;

async function latestMail(to: string, template: string) {
  const mail = await db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).where('template', '=', template).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  // A body line long enough to be the body and not a greeting the log might share by chance.
  keep(...mail.text_body.split('\n').filter((line) => line.trim().length > 30), mail.text_body, mail.html_body);
  return mail.text_body;
}

function post(agent: UserAgent, page: Page, pattern: RegExp, form: Record<string, string>) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return agent.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

function keepCookies(agent: UserAgent) {
  keep(...agent.cookies.values());
}

describe('logs of every journey', () => {
  it('register, a wrong activation code, then the right one', async () => {
    const agent = new UserAgent('http://127.0.0.1:9');
    const form = await agent.follow(`${portico.url}/register`);
    const fields = { givenName: 'Lena', familyName: 'Logwatch', birthYear: '1975', email: 'lena.logwatch@example.com', username: 'lena_logwatch', password: 'Secret7Lantern', confirmPassword: 'Secret7Lantern', question1: 'first_pet', answer1: 'Biscuit Pie', question2: 'birth_city', answer2: 'Walla Walla', terms: 'yes' };
    keep(fields.password, fields.answer1, fields.answer2);
    const waiting = await post(agent, form, /\/register$/, fields);
    expect(waiting.url).toBe(`${portico.url}/verify-email`);
    const code = /\b(\d{10})\b/.exec(await latestMail(fields.email, 'verify-email'))![1]!;
    keep(code);
    await post(agent, waiting, /\/verify-email$/, { code: '0000000000' });
    const done = await post(agent, waiting, /\/verify-email$/, { code });
    expect(done.html).toContain('Your Portico ID is ready to use.');
    keepCookies(agent);
  });

  it('sign in from a new browser with the emailed code, then questions; tokens, userinfo, refresh, introspection, logout', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    keep(user.password, ...TEST_ANSWERS.map((a) => a.answer));
    const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
    const request = await rp.authorizationRequest();
    keep(request.verifier, request.nonce, request.state);
    await rp.submitSignIn(await rp.browser.follow(request.url), user.username, 'Wrong7Lantern');
    const step = await rp.submitSignIn(await rp.browser.follow(request.url), user.username, user.password);
    const code = /^(\d{6})$/m.exec(await latestMail(user.email, 'access-code'))![1]!;
    keep(code);
    await post(rp.browser, step, /\/access-code$/, { code: code === '000000' ? '111111' : '000000' });
    const back = await post(rp.browser, step, /\/access-code$/, { code, remember: 'yes' });
    keep(new URL(back.url).searchParams.get('code')!);
    const tokens = await rp.exchange(back.url, request);
    keep(tokens.access_token, tokens.refresh_token, tokens.id_token);
    await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id);
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    keep(refreshed.access_token, refreshed.refresh_token, refreshed.id_token);
    await oidc.tokenIntrospection(rp.config, refreshed.access_token);
    await oidc.tokenRevocation(rp.config, refreshed.refresh_token!);
    keep(clients.firstParty.secret);
    keepCookies(rp.browser);

    const other = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
    const again = await other.submitSignIn(await other.browser.follow((await other.authorizationRequest()).url), user.username, user.password);
    const questions = await other.browser.follow(new URL(/href="(\/interaction\/[^"]+\/security-questions)"/.exec(again.html!)![1]!, again.url).toString());
    await post(other.browser, questions, /\/security-questions$/, { answer_first_pet: 'Wrong Answer Here', answer_birth_city: 'Nowhere At All' });
    keep('Wrong Answer Here', 'Nowhere At All');
    const answered = await post(other.browser, questions, /\/security-questions$/, Object.fromEntries(TEST_ANSWERS.map((a) => [`answer_${a.questionId}`, a.answer])));
    expect(answered.url).toMatch(/^http:\/\/127\.0\.0\.1:9\/a\/callback/);
    keepCookies(other.browser);
  });

  it('client credentials', async () => {
    const response = await fetch(`${portico.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clients.service.id}:${clients.service.secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    keep(((await response.json()) as { access_token: string }).access_token, clients.service.secret);
  });

  it('forgot username, forgot password with the emailed code, a new password', async () => {
    const user = await portico.createUser();
    keep(user.password);
    const agent = new UserAgent('http://127.0.0.1:9');
    const usernameForm = await agent.follow(`${portico.url}/recover/username`);
    await post(agent, usernameForm, /\/recover\/username$/, { email: user.email });
    await latestMail(user.email, 'forgot-username');
    const start = await agent.follow(`${portico.url}/recover/password`);
    const codePage = await post(agent, start, /\/recover\/password$/, { login: user.username });
    const code = /^(\d{10})$/m.exec(await latestMail(user.email, 'recovery-code'))![1]!;
    keep(code);
    const newForm = await post(agent, codePage, /\/recover\/password\/code$/, { code });
    const done = await post(agent, newForm, /\/recover\/password\/new$/, { password: 'Another8Lantern', confirmPassword: 'Another8Lantern' });
    keep('Another8Lantern');
    expect(done.response.status).toBe(200);
    await latestMail(user.email, 'password-changed');
    keepCookies(agent);
  });

  it('and none of it is in the log', async () => {
    // The mail sender has delivered (to the dev outbox, which logs) everything queued.
    await waitUntil('every queued mail sent', async () => (await db.selectFrom('mail_outbox').select('id').where('status', '!=', 'sent').execute()).length === 0);
    const log = lines.join('');
    // The log did record the journeys: requests, mail, sign-ins.
    expect(log).toContain('"msg":"request"');
    expect(log).toContain('mail kept in the dev outbox');
    expect(lines.length).toBeGreaterThan(50);
    expect(secrets.size).toBeGreaterThan(30);
    const found = [...secrets].filter((secret) => log.includes(secret) || log.includes(JSON.stringify(secret).slice(1, -1)));
    expect(found).toEqual([]);
  });
});
