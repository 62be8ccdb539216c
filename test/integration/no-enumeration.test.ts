import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * Issue 8, item 4: sign-in, registration, forgot username and forgot password answer a known
 * and an unknown username or email with the same status, the same page, and no timing
 * difference worth measuring: medians of interleaved tries, known against unknown. Without the
 * decoy argon2 verification an unknown username answers some 50 ms sooner, far outside the
 * tolerance below.
 */

const TRIES = 15;

let portico: TestPortico;

beforeAll(async () => {
  // Every try comes from one address: the per-address limits would end the test, not an attacker.
  const off = { per_ip: { points: 0 }, per_account: { points: 0 } };
  portico = await startPortico({ policy: { rate_limits: { sign_in: off, registration: off, recovery: off } } });
});
afterAll(() => portico?.stop());

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Answer {
  status: number;
  /** The page with what legitimately differs (tokens, ids, the value typed) taken out. */
  page: string;
}

/**
 * Runs `attempt(known, i)` and `attempt(unknown, i)` alternately, timing only `attempt`'s own
 * request (its setup is untimed), and checks that the two sides look and take the same.
 */
async function compare(label: string, prepare: (side: 'known' | 'unknown', i: number) => Promise<() => Promise<Answer>>) {
  const times = { known: [] as number[], unknown: [] as number[] };
  const answers = { known: [] as Answer[], unknown: [] as Answer[] };
  for (let i = -2; i < TRIES; i++) {
    for (const side of i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const)) {
      const attempt = await prepare(side, i + 2);
      const start = performance.now();
      const answer = await attempt();
      const elapsed = performance.now() - start;
      if (i < 0) continue; // warm-up: first requests compile templates and fill pools
      times[side].push(elapsed);
      answers[side].push(answer);
    }
  }
  const [known, unknown] = [median(times.known), median(times.unknown)];
  console.log(`${label}: median ${known.toFixed(1)} ms known, ${unknown.toFixed(1)} ms unknown over ${TRIES} tries each`);
  expect(new Set([...answers.known, ...answers.unknown].map((a) => a.status)).size).toBe(1);
  expect(answers.unknown[0]!.page).toBe(answers.known[0]!.page);
  expect(Math.abs(known - unknown)).toBeLessThan(Math.max(15, 0.3 * Math.max(known, unknown)));
}

const neutral = (html: string, typed: string) =>
  html
    .replace(/name="csrf" value="[^"]+"/g, '')
    .replace(/\/interaction\/[A-Za-z0-9_-]+/g, '/interaction/UID')
    .replaceAll(typed, 'TYPED');

describe('no enumeration', () => {
  it('sign-in: a wrong password for a real username and any password for a made-up one', async () => {
    const users = await Promise.all(Array.from({ length: TRIES + 2 }, () => portico.createUser()));
    await compare('sign-in', async (side, i) => {
      const rp = await RelyingParty.discover(portico.url, 'firstParty');
      const page = await rp.browser.follow((await rp.authorizationRequest()).url);
      const login = side === 'known' ? users[i]!.username : `nobody${users[i]!.username}`;
      return async () => {
        const answer = await rp.submitSignIn(page, login, 'Wrong7Horse');
        return { status: answer.response.status, page: neutral(answer.html!, login) };
      };
    });
  });

  it('registration: an email that already has an ID and a new one', async () => {
    const owners = await Promise.all(Array.from({ length: TRIES + 2 }, () => portico.createUser()));
    await compare('registration', async (side, i) => {
      const agent = new UserAgent('http://127.0.0.1:9');
      const form = await agent.follow(`${portico.url}/register`);
      const email = side === 'known' ? owners[i]!.email : `new.${owners[i]!.username}@example.com`;
      const fields = {
        csrf: hiddenInput(form.html!, 'csrf')!,
        givenName: 'Pat',
        familyName: 'Doe',
        birthYear: '1980',
        email,
        username: `fresh_${side}_${owners[i]!.username}`,
        password: 'Quiet7Harbor',
        confirmPassword: 'Quiet7Harbor',
        question1: 'first_pet',
        answer1: 'Rex',
        question2: 'birth_city',
        answer2: 'Duluth',
        terms: 'yes',
      };
      return async () => {
        const answer = await agent.follow(`${portico.url}/register`, { form: fields });
        return { status: answer.response.status, page: `${new URL(answer.url).pathname} ${answer.html!.replace(/<strong>[^<]*<\/strong>/g, '').replace(/name="csrf" value="[^"]+"/g, '')}` };
      };
    });
  });

  it('forgot username: an address with an ID and one without', async () => {
    const users = await Promise.all(Array.from({ length: TRIES + 2 }, () => portico.createUser()));
    await compare('forgot username', async (side, i) => {
      const agent = new UserAgent('http://127.0.0.1:9');
      const form = await agent.follow(`${portico.url}/recover/username`);
      const email = side === 'known' ? users[i]!.email : `nobody.${users[i]!.username}@example.com`;
      return async () => {
        const answer = await agent.follow(`${portico.url}/recover/username`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, email } });
        return { status: answer.response.status, page: neutral(answer.html!, email) };
      };
    });
  });

  it('forgot password: a real username and a made-up one', async () => {
    const users = await Promise.all(Array.from({ length: TRIES + 2 }, () => portico.createUser()));
    await compare('forgot password', async (side, i) => {
      const agent = new UserAgent('http://127.0.0.1:9');
      const form = await agent.follow(`${portico.url}/recover/password`);
      const login = side === 'known' ? users[i]!.username : `nobody${users[i]!.username}`;
      return async () => {
        const answer = await agent.follow(`${portico.url}/recover/password`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, login } });
        return { status: answer.response.status, page: `${new URL(answer.url).pathname} ${neutral(answer.html!, login).replace(/<strong>[^<]*<\/strong>/g, '')}` };
      };
    });
  });

  it('forgot password: "Send a new code" at once is refused alike', async () => {
    const user = await portico.createUser();
    const answers = [];
    for (const login of [user.username, `nobody${user.username}`]) {
      const agent = new UserAgent('http://127.0.0.1:9');
      const form = await agent.follow(`${portico.url}/recover/password`);
      const code = await agent.follow(`${portico.url}/recover/password`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, login } });
      const resend = await agent.follow(`${portico.url}/recover/password/code/resend`, { form: { csrf: hiddenInput(code.html!, 'csrf')! } });
      answers.push({ status: resend.response.status, page: neutral(resend.html!, login).replace(/<strong>[^<]*<\/strong>/g, '') });
    }
    expect(answers[0]!.status).toBe(429);
    expect(answers[0]!.page).toContain('We cannot send another code just now.');
    expect(answers[1]).toEqual(answers[0]);
  });

  it('forgot password: wrong codes across flows answer a real username and a made-up one alike, at every count', async () => {
    const user = await portico.createUser();
    const transcripts = [];
    for (const login of [user.username, `nobody${user.username}`]) {
      const seen = [];
      // Two flows: the first uses up its code, the second starts after it.
      for (const tries of [6, 3]) {
        const agent = new UserAgent('http://127.0.0.1:9');
        const form = await agent.follow(`${portico.url}/recover/password`);
        let page = await agent.follow(`${portico.url}/recover/password`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, login } });
        const wrong = '0'.repeat(Number(/a (\d+)-digit code/.exec(page.html!)![1]));
        for (let i = 0; i < tries; i++) {
          page = await agent.follow(`${portico.url}/recover/password/code`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, code: wrong } });
          seen.push(`${page.response.status} ${/id="code-error">([^<]*)</.exec(page.html!)?.[1]}`);
        }
      }
      transcripts.push(seen);
    }
    expect(transcripts[0]).toContain('400 This code can no longer be used. Select &quot;Send a new code&quot;.');
    expect(transcripts[1]).toEqual(transcripts[0]);
  });
});
