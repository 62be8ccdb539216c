import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPortico, type TestPortico } from '../support/portico.js';
import { startRedisSentinel, type RedisSentinelService } from '../support/redis-groups.js';
import { oidc, RelyingParty } from '../support/rp.js';

/*
 * Portico on a Redis found through Sentinel (a primary, a replica, three Sentinels, started
 * here from redis-server, in CI's PostgreSQL + Redis pass), failing over while people sign in: what was
 * signed in before still works after, and every request meanwhile is answered in time with a
 * success, a redirect or a 503 (retry), never a 500 nor a 400 for a journey whose state was lost.
 * That last needs the primary to refuse writes its replica does not take (min-replicas-to-write,
 * as the README advises): otherwise what is written to the old primary between the promotion of
 * the replica and its own demotion is lost, and with it sign-ins under way.
 */

/** Each request's limit: a request held longer than this counts as a hang. */
const REQUEST_LIMIT_MS = 15_000;
const SIGN_INS_AT_ONCE = 3;

let group: RedisSentinelService;
let portico: TestPortico;

beforeAll(async () => {
  group = await startRedisSentinel();
  portico = await startPortico({
    redisUrl: null,
    env: { REDIS_SENTINELS: group.sentinels, REDIS_SENTINEL_NAME: group.name },
    // The same person signs in over and over from one address: only the failover may refuse.
    policy: { rate_limits: { sign_in: { per_ip: { points: 100_000 }, per_account: { points: 100_000 } } } },
  });
});
afterAll(async () => {
  await portico?.stop();
  await group?.stop();
});

interface Answer {
  status: number;
  at: string;
  when?: number;
}

/** A portal whose every request (hosted pages and token calls) is time-boxed and its status noted. */
async function observedPortal(answers: Answer[]): Promise<RelyingParty> {
  const rp = await RelyingParty.discover(portico.url);
  rp.browser.timeoutMs = REQUEST_LIMIT_MS;
  rp.browser.onAnswer = (status, url) => answers.push({ status, at: new URL(url).pathname, when: Date.now() });
  rp.config[oidc.customFetch] = async (url, options) => {
    const response = await fetch(url, { ...(options as RequestInit), signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
    answers.push({ status: response.status, at: `${options.method} ${new URL(url).pathname}`, when: Date.now() });
    return response;
  };
  return rp;
}

const unacceptable = (answers: Answer[]) => answers.filter(({ status }) => !((status >= 200 && status < 400) || status === 503));

it('keeps sessions and refresh tokens across a failover, and answers every request meanwhile with 2xx, 3xx or 503', async () => {
  const user = await portico.createUser();
  const earlier: Answer[] = [];
  const before = await observedPortal(earlier);
  const { tokens } = await before.signIn(user.username, user.password);
  expect(tokens.refresh_token).toEqual(expect.any(String));

  const answers: Answer[] = [];
  const hangs: unknown[] = [];
  let running = true;
  let signedInAfter = 0;
  let failedOver = false;
  const signInAgainAndAgain = async () => {
    while (running) {
      try {
        const rp = await observedPortal(answers);
        await rp.signIn(user.username, user.password);
        if (failedOver) signedInAfter++;
      } catch (error) {
        // A journey cut short by a 503 is expected (and waited after, as Retry-After asks a
        // portal to); one cut short by a hang is not.
        if ((error as Error).name === 'TimeoutError') hangs.push(error);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  const workers = Array.from({ length: SIGN_INS_AT_ONCE }, signInAgainAndAgain);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const { from, to } = await group.failover();
  failedOver = true;
  expect(to).not.toBe(from);
  // Sign-ins go on until each worker has seen the new primary serve a few.
  const until = Date.now() + 60_000;
  while (signedInAfter < 2 * SIGN_INS_AT_ONCE && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
  running = false;
  await Promise.all(workers);

  expect(hangs).toEqual([]);
  expect(unacceptable(answers)).toEqual([]);
  expect(signedInAfter).toBeGreaterThanOrEqual(2 * SIGN_INS_AT_ONCE);
  const refused = answers.filter((a) => a.status === 503).map((a) => a.when!);
  const refusing = refused.length > 0 ? `over ${((Math.max(...refused) - Math.min(...refused)) / 1000).toFixed(1)} s` : '';
  console.info(`failover ${from} -> ${to}: ${answers.length} answers, ${refused.length} of them 503 ${refusing}`);

  // The session made before the failover signs the person in without the form.
  const again = await before.authorizationRequest({ prompt: 'none' });
  const page = await before.browser.follow(again.url);
  expect(new URL(page.url).searchParams.get('code')).toEqual(expect.any(String));
  // The refresh token made before it still refreshes.
  const refreshed = await oidc.refreshTokenGrant(before.config, tokens.refresh_token!);
  expect(refreshed.access_token).toEqual(expect.any(String));
  expect(unacceptable(earlier)).toEqual([]);
  expect((await fetch(`${portico.url}/readyz`)).status).toBe(200);
}, 120_000);
