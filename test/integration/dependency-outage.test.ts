import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients, startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { hiddenInput, UserAgent } from '../support/user-agent.js';
import { REDIS_COMMAND_TIMEOUT_MS } from '../../src/storage/redis.js';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '../support/servers.js';
import { waitUntil } from '../support/wait.js';

/*
 * PostgreSQL or Redis going away while Portico runs: stopped, hung, or
 * answering but refusing writes (a replica after a failover). Readiness says so, pages answer
 * 503 with a plain message, portals' JSON calls 503 `temporarily_unavailable` with Retry-After,
 * nothing crashes (an uncaught error here fails the run), and when the store comes back Portico
 * serves again without a restart. Both passes of CI run this the same way: the test starts its
 * own servers, because it has to stop and start them. SMTP down: mail-outbox.test.ts; a process
 * killed mid-write: kill-mid-write.test.ts.
 */

const LOOPBACK = '127.0.0.1';
let pgServer: PostgresService;
let redisServer: RedisService;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  [pgServer, redisServer] = await Promise.all([startPostgres(), startRedis()]);
});
afterAll(async () => {
  for (const step of cleanups.reverse()) await step();
  await Promise.all([pgServer?.stop(), redisServer?.stop()]);
});

async function portico(options: { redis: boolean }): Promise<TestPortico> {
  const started = await startPortico({ databaseUrl: pgServer.url, redisUrl: options.redis ? redisServer.url : null });
  cleanups.push(() => started.stop());
  return started;
}

/** A portal's token call from a plain HTTP client: no Accept header, and still a JSON answer. */
function clientCredentials(p: TestPortico): Promise<Response> {
  return fetch(`${p.url}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clients.service.id}:${clients.service.secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
}

const readyz = (p: TestPortico) => fetch(`${p.url}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { status: string; checks: Record<string, string> } }));

/** Waits for /readyz to answer `status`; the deadline is generous, the usual wait is a second or two. */
const readyzAnswers = (p: TestPortico, status: number, what: string) =>
  waitUntil(what, () => readyz(p).then((r) => r.status === status, () => false), { timeoutMs: 20_000, intervalMs: 200 });

/** What a person sees while a store is down: a plain page, a retry hint, nothing technical. */
function expectFriendlyOutagePage(answer: { response: Response; html?: string }): void {
  expect(answer.response.status).toBe(503);
  expect(answer.response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(answer.response.headers.get('retry-after')).toMatch(/^\d+$/);
  const html = answer.html ?? '';
  expect(html).toContain('Please try again in a few minutes.');
  expect(html).not.toMatch(/Error:|ECONN|MaxRetries|Connection (terminated|is closed)|node_modules|\bat \S+ \(|\.ts:\d+/);
}

async function expectTokenUnavailable(p: TestPortico): Promise<void> {
  const response = await clientCredentials(p);
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
}

async function expectTokenIssued(p: TestPortico): Promise<void> {
  const response = await clientCredentials(p);
  expect(response.status, await response.clone().text()).toBe(200);
  expect(await response.json()).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer' });
}

/** Breaks a store, checks, and restores it even when a check fails, so later tests start clean. */
async function whileBroken(breakIt: () => Promise<unknown>, restore: () => Promise<unknown>, check: () => Promise<void>): Promise<void> {
  await breakIt();
  try {
    await check();
  } finally {
    await restore();
  }
}

/** A portal sends someone to sign in: what the browser ends on. */
async function authorizationRequest(p: TestPortico) {
  const rp = await RelyingParty.discover(p.url);
  return rp.browser.follow((await rp.authorizationRequest()).url);
}

/** A portal sends someone to sign in: returns the hosted sign-in page it got. */
async function signInPage(p: TestPortico) {
  const rp = await RelyingParty.discover(p.url);
  const page = await rp.browser.follow((await rp.authorizationRequest()).url);
  expect(page.html).toContain('<h1>Sign in</h1>');
  return { rp, page };
}

/** A whole portal sign-in through `url` works and names the user. */
async function expectSignIn(url: string, user: { id: string; username: string; password: string }) {
  const { tokens } = await (await RelyingParty.discover(url)).signIn(user.username, user.password);
  expect(tokens.claims()!.sub).toBe(user.id);
}

async function registrationForm(p: TestPortico) {
  const agent = new UserAgent('http://127.0.0.1:9');
  const page = await agent.follow(`${p.url}/register`);
  expect(page.response.status).toBe(200);
  const n = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const submit = () =>
    agent.follow(`${p.url}/register`, {
      form: {
        csrf: hiddenInput(page.html!, 'csrf')!,
        givenName: 'Dana', familyName: 'Outage', birthYear: '1980',
        email: `dana.${n}@example.com`, username: `dana${n}`,
        password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour',
        question1: 'first_pet', answer1: 'Rex the dog', question2: 'birth_city', answer2: 'Duluth',
        terms: 'yes',
      },
    });
  return { agent, submit };
}

describe('Redis stops while Portico runs', () => {
  it('is not ready, answers 503 on pages and /token, and serves again when Redis is back, without a restart', async () => {
    const p = await portico({ redis: true });
    const user = await p.createUser();
    await expectTokenIssued(p);
    const before = await signInPage(p);

    await whileBroken(() => redisServer.halt(), () => redisServer.resume(), async () => {
      expect(await readyz(p)).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'ok', redis: 'unavailable' } } });
      // The process itself still answers: a liveness probe must not restart it for a store outage.
      expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
      // A portal sending someone to sign in: the interaction would live in Redis.
      expectFriendlyOutagePage(await authorizationRequest(p));
      // Someone already on the sign-in page submits it.
      expectFriendlyOutagePage(await before.rp.submitSignIn(before.page, user.username, user.password));
      await expectTokenUnavailable(p);
    });

    await readyzAnswers(p, 200, '/readyz 200 after Redis came back');
    await expectTokenIssued(p);
    // Redis came back empty (no persistence): a new sign-in works from the start.
    await expectSignIn(p.url, user);
  });
});

describe('Redis hangs while Portico runs', () => {
  it('answers 503 within seconds instead of holding requests open, and serves again when Redis answers', async () => {
    const p = await portico({ redis: true });
    await expectTokenIssued(p);
    const before = await signInPage(p);
    const user = await p.createUser();

    // Stopped with SIGSTOP: connections stay open and nothing answers, like a partition that drops packets.
    await whileBroken(async () => redisServer.freeze(), async () => redisServer.thaw(), async () => {
      const started = Date.now();
      expect((await readyz(p)).body.checks).toEqual({ database: 'ok', redis: 'unavailable' });
      expectFriendlyOutagePage(await authorizationRequest(p));
      expectFriendlyOutagePage(await before.rp.submitSignIn(before.page, user.username, user.password));
      await expectTokenUnavailable(p);
      // Each request gave up after the command timeout, not after the person or portal did.
      expect(Date.now() - started).toBeLessThan(4 * (REDIS_COMMAND_TIMEOUT_MS + 2000));
    });

    await readyzAnswers(p, 200, '/readyz 200 once Redis answers again');
    await expectTokenIssued(p);
    const again = await before.rp.submitSignIn(before.page, user.username, user.password);
    expect(again.url.startsWith('http://127.0.0.1:9/a/callback?code=')).toBe(true);
  });
});

describe('PostgreSQL stops while Portico runs', () => {
  it('is not ready, answers 503 on pages and /token, and serves again when PostgreSQL is back, without a restart', async () => {
    // One Portico keeps protocol state in Redis, one in PostgreSQL: both on the same database.
    const withRedis = await portico({ redis: true });
    const withoutRedis = await portico({ redis: false });
    const user = await withRedis.createUser();
    const before = await signInPage(withRedis);
    const registration = await registrationForm(withRedis);
    await expectTokenIssued(withoutRedis);

    await whileBroken(() => pgServer.halt(), () => pgServer.resume(), async () => {
      expect(await readyz(withRedis)).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'unavailable', redis: 'ok' } } });
      expect(await readyz(withoutRedis)).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'unavailable' } } });
      expect((await fetch(`${withRedis.url}/healthz`)).status).toBe(200);
      // Signing in reads the account; creating an ID writes one.
      expectFriendlyOutagePage(await before.rp.submitSignIn(before.page, user.username, user.password));
      expectFriendlyOutagePage(await registration.submit());
      // Without Redis the authorization request and the token live in PostgreSQL.
      expectFriendlyOutagePage(await authorizationRequest(withoutRedis));
      await expectTokenUnavailable(withoutRedis);
    });

    for (const p of [withRedis, withoutRedis]) await readyzAnswers(p, 200, '/readyz 200 after PostgreSQL came back');
    await expectTokenIssued(withoutRedis);
    // The page from before the outage still works: the same form, submitted again.
    const again = await before.rp.submitSignIn(before.page, user.username, user.password);
    expect(again.url.startsWith('http://127.0.0.1:9/a/callback?code=')).toBe(true);
    const created = await registration.submit();
    expect(created.url).toBe(`${withRedis.url}/verify-email`);
    await expectSignIn(withoutRedis.url, user);
  });
});

/**
 * The answer to a request, or a failure saying it hung: far longer than Portico's own timeouts,
 * far shorter than anyone would wait at a sign-in page.
 */
async function answered<T>(request: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer within 30 s: the request hung on the database')), 30_000);
  });
  try {
    return await Promise.race([request, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('PostgreSQL hangs while Portico runs', () => {
  it('answers 503 instead of holding requests open, and serves again when PostgreSQL answers', async () => {
    const withRedis = await portico({ redis: true });
    const withoutRedis = await portico({ redis: false });
    const user = await withRedis.createUser();
    const before = await signInPage(withRedis);
    await expectTokenIssued(withoutRedis);

    // Stopped with SIGSTOP, backends too: connections stay open and nothing answers. The
    // requests go at once, while the pools still hold the connections used a moment ago.
    await whileBroken(async () => pgServer.freeze(), async () => pgServer.thaw(), async () => {
      const [signIn, authorization] = await answered(
        Promise.all([
          // Signing in reads the account.
          before.rp.submitSignIn(before.page, user.username, user.password),
          // Without Redis the authorization request and the token live in PostgreSQL.
          authorizationRequest(withoutRedis),
          expectTokenUnavailable(withoutRedis),
        ]),
      );
      expectFriendlyOutagePage(signIn);
      expectFriendlyOutagePage(authorization);
      expect((await readyz(withRedis)).body.checks).toEqual({ database: 'unavailable', redis: 'ok' });
    });

    for (const p of [withRedis, withoutRedis]) await readyzAnswers(p, 200, '/readyz 200 once PostgreSQL answers again');
    await expectTokenIssued(withoutRedis);
    const again = await before.rp.submitSignIn(before.page, user.username, user.password);
    expect(again.url.startsWith('http://127.0.0.1:9/a/callback?code=')).toBe(true);
  });
});

describe('a store that answers but refuses writes, as a replica does after a failover', () => {
  it('Redis turned replica: not ready, 503 on pages and /token; ready again once it is a primary', async () => {
    const p = await portico({ redis: true });
    const admin = new Redis(redisServer.url);
    cleanups.push(() => admin.disconnect());
    // Traffic comes once /readyz says so, as a load balancer sends it; on a loaded machine the
    // first token call of a server just started once met a store still settling after the
    // earlier tests' outages.
    await readyzAnswers(p, 200, '/readyz 200 before Redis is demoted');
    await expectTokenIssued(p);

    // Its primary is unreachable: it keeps serving reads and refuses every write with READONLY.
    await whileBroken(() => admin.call('REPLICAOF', LOOPBACK, '1'), () => admin.call('REPLICAOF', 'NO', 'ONE'), async () => {
      expect(await readyz(p)).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'ok', redis: 'unavailable' } } });
      expectFriendlyOutagePage(await authorizationRequest(p));
      await expectTokenUnavailable(p);
    });

    await readyzAnswers(p, 200, '/readyz 200 once Redis is a primary again');
    await expectTokenIssued(p);
  });

  it('PostgreSQL read-only: not ready, 503 on sign-in and /token; ready again once it takes writes', async () => {
    const withRedis = await portico({ redis: true });
    const withoutRedis = await portico({ redis: false });
    const user = await withRedis.createUser();
    const before = await signInPage(withRedis);
    const admin = new pg.Client({ connectionString: pgServer.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    const setReadOnly = async (on: boolean) => {
      await admin.query(on ? 'alter system set default_transaction_read_only = on' : 'alter system reset default_transaction_read_only');
      await admin.query('select pg_reload_conf()');
    };

    // What a standby, or a primary demoted by a failover, does: reads work, writes fail (25006).
    await whileBroken(() => setReadOnly(true), () => setReadOnly(false), async () => {
      // The reload reaches each connection at its next command.
      await readyzAnswers(withRedis, 503, '/readyz 503 once PostgreSQL is read-only');
      expect(await readyz(withRedis)).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'unavailable', redis: 'ok' } } });
      expectFriendlyOutagePage(await before.rp.submitSignIn(before.page, user.username, user.password));
      await expectTokenUnavailable(withoutRedis);
    });

    for (const p of [withRedis, withoutRedis]) await readyzAnswers(p, 200, '/readyz 200 once PostgreSQL takes writes');
    await expectTokenIssued(withoutRedis);
    const again = await before.rp.submitSignIn(before.page, user.username, user.password);
    expect(again.url.startsWith('http://127.0.0.1:9/a/callback?code=')).toBe(true);
  });
});
