import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { embeddedEnv, runPortico } from '../support/cli.js';
import { startFakePwned, type FakePwned } from '../support/fake-pwned.js';
import { DEVICE_COOKIE, startPortico, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { freePort } from '../support/servers.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * New passwords are looked up in Have I Been Pwned's range API (here a fake on 127.0.0.1):
 * only the first five hex digits of the SHA-1 leave Portico, padding lines (count 0) are not
 * breaches, and an API that hangs or is down lets the password through with a log line that
 * names neither the password nor its hash.
 */

const BREACHED = 'id="password-error">This password has appeared in a data breach, so attackers try it. Choose another.';
const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();

const lines: string[] = [];
const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }));

let fake: FakePwned;
let portico: TestPortico;
/** The same API at a port nothing listens on. */
let down: TestPortico;

const breachCheck = (url: string) => ({ password: { breach_check: { enabled: true, url, timeout_ms: 500 } }, rate_limits: { registration: { per_ip: { points: 0 } } } });

beforeAll(async () => {
  fake = await startFakePwned({ Breached7Lantern: 3861, Padded7Lantern: 0, Leaked7Walrus: 12, Offline7Walrus: 40 });
  portico = await startPortico({ policy: breachCheck(fake.url), logger });
  down = await startPortico({ policy: breachCheck(`http://127.0.0.1:${await freePort()}/range`), logger });
});
afterAll(async () => {
  await portico?.stop();
  await down?.stop();
  await fake?.stop();
});

type Page = Awaited<ReturnType<UserAgent['follow']>>;

async function post(agent: UserAgent, page: Page, pattern: RegExp, form: Record<string, string>) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return agent.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

/** Signs a fresh user in to the account page and submits `password` as the new one. */
async function changePassword(on: TestPortico, password: string) {
  const user = await on.createUser();
  const agent = new UserAgent('http://127.0.0.1:9');
  agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
  const signIn = await agent.follow(`${on.url}/account/password`);
  const page = await post(agent, signIn, /\/login$/, { login: user.username, password: user.password });
  expect(page.url).toBe(`${on.url}/account/password`);
  return { page, answer: await post(agent, page, /\/account\/password$/, { currentPassword: user.password, password, confirmPassword: password }) };
}

/** The log says the check was skipped and why, and nothing of the password: not it, its hash, or the prefix sent. */
function expectFailOpenLogged(password: string, reason: RegExp) {
  const hash = sha1(password);
  const skipped = lines.filter((line) => line.includes('breach_check')).map((line) => JSON.parse(line) as { level: number; msg: string; breach_check: { reason: string } });
  expect(skipped.some((entry) => reason.test(entry.breach_check.reason) && entry.level === 40)).toBe(true);
  const log = lines.join('');
  for (const secret of [password, hash, hash.toLowerCase(), hash.slice(0, 5), hash.slice(5)]) expect(log).not.toContain(secret);
}

describe('the breached-password check', () => {
  it('refuses a breached password on the account page, beside the field, and says so in the rules', async () => {
    const { page, answer } = await changePassword(portico, 'Breached7Lantern');
    expect(page.html).toContain('Not in a known data breach');
    expect(answer.response.status).toBe(400);
    expect(answer.html).toContain(BREACHED);
  });

  it('refuses a breached password at registration', async () => {
    const agent = new UserAgent('http://127.0.0.1:9');
    const form = await agent.follow(`${portico.url}/register`);
    const id = `breach${Date.now().toString(36)}`;
    const answer = await post(agent, form, /\/register$/, { givenName: 'Jane', familyName: 'Smith', birthYear: '1980', email: `${id}@example.com`, username: id, password: 'Breached7Lantern', confirmPassword: 'Breached7Lantern', question1: 'first_pet', answer1: 'Rex the dog', question2: 'birth_city', answer2: 'Duluth', terms: 'yes' });
    expect(answer.response.status).toBe(400);
    expect(answer.html).toContain(BREACHED);
  });

  it('sends only the first five hex digits of the SHA-1, asks for padding, and takes a padding line (count 0) as no breach', async () => {
    const before = fake.requests.length;
    const { answer } = await changePassword(portico, 'Padded7Lantern');
    expect(answer.html).toContain('Your password was changed.');
    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe(`/range/${sha1('Padded7Lantern').slice(0, 5)}`);
    expect(sent[0]!.headers['add-padding']).toBe('true');
    expect(JSON.stringify(sent)).not.toContain(sha1('Padded7Lantern').slice(5, 10));
  });

  it('fails open, with a log line, when the API does not answer in time', async () => {
    fake.hang = true;
    try {
      const { answer } = await changePassword(portico, 'Leaked7Walrus');
      expect(answer.html).toContain('Your password was changed.');
    } finally {
      fake.hang = false;
    }
    expectFailOpenLogged('Leaked7Walrus', /^no answer within 500 ms$/);
  });

  it('fails open, with a log line, when the API cannot be reached', async () => {
    const { answer } = await changePassword(down, 'Offline7Walrus');
    expect(answer.html).toContain('Your password was changed.');
    expectFailOpenLogged('Offline7Walrus', /^unreachable/);
  });

  it('refuses a breached password in portico users create', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'portico-breach-cli-'));
    try {
      const policyFile = path.join(dir, 'policy.json');
      writeFileSync(policyFile, JSON.stringify(breachCheck(fake.url)));
      const args = ['users', 'create', '--username', 'jsmith01', '--email', 'j.smith@example.com', '--given-name', 'Jane', '--family-name', 'Smith', '--password-stdin'];
      // The fake answers from this process's event loop, which runPortico leaves free.
      const { code, err } = await runPortico(args, { env: embeddedEnv(dir, { POLICY_FILE: policyFile }), input: 'Breached7Lantern\n' });
      expect({ code, err }).toEqual({ code: 1, err: 'portico: password refused: This password has appeared in a data breach, so attackers try it. Choose another.\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is never pointed at the real API by a test: the harness refuses to start', async () => {
    await expect(startPortico({ policy: { password: { breach_check: { enabled: true } } } })).rejects.toThrow('tests must not reach https://api.pwnedpasswords.com/range');
  });
});
