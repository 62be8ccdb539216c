import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { RECOVERY_FLOOR_MS, REGISTRATION_FLOOR_MS, SIGN_IN_FAILURE_FLOOR_MS } from '../../src/flows/response-floor.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { hiddenInput, UserAgent } from '../support/user-agent.js';
import { neutralPage } from '../support/neutral-page.js';

/*
 * Sign-in, registration, forgot username and forgot password answer a known and an unknown
 * username or email with the same status, the same page, and the same cost (OWASP Authentication
 * Cheat Sheet, "Authentication and Error Messages": the response time must not tell either).
 * Cost is compared as work done, not wall time, so a busy machine cannot make it flake: the
 * argon2 computations each answer spends (an unknown name spends a decoy verification,
 * identity/passwords.ts), and the response floor it waits out, which hides the few database
 * statements the two paths do differently (flows/response-floor.ts).
 */

// Which floors the answers wait out: the real floors, recorded (the server runs in this process).
const floorsWaited = vi.hoisted(() => [] as number[]);
vi.mock('../../src/flows/response-floor.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/flows/response-floor.js')>();
  return {
    ...real,
    startFloor(floorMs: number) {
      const reached = real.startFloor(floorMs);
      return async () => {
        floorsWaited.push(floorMs);
        await reached();
      };
    },
    async noSoonerThan<T>(floorMs: number, work: () => Promise<T>): Promise<T> {
      try {
        return await real.noSoonerThan(floorMs, work);
      } finally {
        floorsWaited.push(floorMs);
      }
    },
  };
});

const TRIES = 3;

let portico: TestPortico;
let hashes: MockInstance;
let verifications: MockInstance;

beforeAll(async () => {
  // Every try comes from one address: the per-address limits would end the test, not an attacker.
  const off = { per_ip: { points: 0 }, per_account: { points: 0 } };
  portico = await startPortico({ policy: { rate_limits: { sign_in: off, registration: off, recovery: off } } });
  hashes = vi.spyOn(argon2, 'hash');
  verifications = vi.spyOn(argon2, 'verify');
});
afterAll(async () => {
  vi.restoreAllMocks();
  await portico?.stop();
});

interface Answer {
  status: number;
  /** The page with what legitimately differs (tokens, ids, the value typed) taken out. */
  page: string;
}

interface Work {
  argon2Hashes: number;
  argon2Verifications: number;
  floorsMs: number[];
}

/** What one request cost the server; requests run one at a time, and nothing else hashes meanwhile. */
async function measured(request: () => Promise<Answer>): Promise<{ answer: Answer; work: Work }> {
  const [hashesBefore, verificationsBefore, floorsBefore] = [hashes.mock.calls.length, verifications.mock.calls.length, floorsWaited.length];
  const answer = await request();
  return {
    answer,
    work: { argon2Hashes: hashes.mock.calls.length - hashesBefore, argon2Verifications: verifications.mock.calls.length - verificationsBefore, floorsMs: floorsWaited.slice(floorsBefore) },
  };
}

/**
 * Runs `attempt(known, i)` and `attempt(unknown, i)` alternately, measuring only `attempt`'s own
 * request (its setup is not counted), and checks that the two sides look alike and cost
 * `expected` every time. The first pair warms up: the decoy hash is made once, at first use.
 */
async function compare(prepare: (side: 'known' | 'unknown', i: number) => Promise<() => Promise<Answer>>, expected: Work) {
  const answers = { known: [] as Answer[], unknown: [] as Answer[] };
  const work = { known: [] as Work[], unknown: [] as Work[] };
  for (let i = -1; i < TRIES; i++) {
    for (const side of ['known', 'unknown'] as const) {
      const attempt = await prepare(side, i + 1);
      const run = await measured(attempt);
      if (i < 0) continue;
      answers[side].push(run.answer);
      work[side].push(run.work);
    }
  }
  expect(new Set([...answers.known, ...answers.unknown].map((a) => a.status)).size).toBe(1);
  expect(answers.unknown[0]!.page).toBe(answers.known[0]!.page);
  const every = Array.from({ length: TRIES }, () => expected);
  expect({ known: work.known, unknown: work.unknown }).toEqual({ known: every, unknown: every });
}

const neutral = (html: string, typed: string) => neutralPage(html, typed);

describe('no enumeration', () => {
  it('sign-in: a wrong password for a real username and any password for a made-up one', async () => {
    const users = await Promise.all(Array.from({ length: TRIES + 1 }, () => portico.createUser()));
    await compare(async (side, i) => {
      const rp = await RelyingParty.discover(portico.url, 'firstParty');
      const page = await rp.browser.follow((await rp.authorizationRequest()).url);
      const login = side === 'known' ? users[i]!.username : `nobody${users[i]!.username}`;
      return async () => {
        const answer = await rp.submitSignIn(page, login, 'Wrong7Horse');
        return { status: answer.response.status, page: neutral(answer.html!, login) };
      };
    }, { argon2Hashes: 0, argon2Verifications: 1, floorsMs: [SIGN_IN_FAILURE_FLOOR_MS] });
  });

  it('registration: an email that already has an ID and a new one', async () => {
    const owners = await Promise.all(Array.from({ length: TRIES + 1 }, () => portico.createUser()));
    await compare(async (side, i) => {
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
    }, { argon2Hashes: 1, argon2Verifications: 0, floorsMs: [REGISTRATION_FLOOR_MS] });
  });

  it('forgot username: an address with an ID and one without', async () => {
    const users = await Promise.all(Array.from({ length: TRIES + 1 }, () => portico.createUser()));
    await compare(async (side, i) => {
      const agent = new UserAgent('http://127.0.0.1:9');
      const form = await agent.follow(`${portico.url}/recover/username`);
      const email = side === 'known' ? users[i]!.email : `nobody.${users[i]!.username}@example.com`;
      return async () => {
        const answer = await agent.follow(`${portico.url}/recover/username`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, email } });
        return { status: answer.response.status, page: neutral(answer.html!, email) };
      };
    }, { argon2Hashes: 0, argon2Verifications: 0, floorsMs: [RECOVERY_FLOOR_MS] });
  });

  it('forgot password: a real username and a made-up one', async () => {
    const users = await Promise.all(Array.from({ length: TRIES + 1 }, () => portico.createUser()));
    await compare(async (side, i) => {
      const agent = new UserAgent('http://127.0.0.1:9');
      const form = await agent.follow(`${portico.url}/recover/password`);
      const login = side === 'known' ? users[i]!.username : `nobody${users[i]!.username}`;
      return async () => {
        const answer = await agent.follow(`${portico.url}/recover/password`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, login } });
        return { status: answer.response.status, page: `${new URL(answer.url).pathname} ${neutral(answer.html!, login).replace(/<strong>[^<]*<\/strong>/g, '')}` };
      };
    }, { argon2Hashes: 0, argon2Verifications: 0, floorsMs: [RECOVERY_FLOOR_MS] });
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
