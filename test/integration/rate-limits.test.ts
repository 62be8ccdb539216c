import { describe, expect, it } from 'vitest';
import { clients, usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * Limits per account and per address on the hosted steps, per client on the
 * token endpoint. Over a limit the browser gets a 429 page that says when to try again, a
 * portal gets a 429 JSON error, both with Retry-After; nobody else is slowed down.
 */

const service = { id: 'service-e', secret: 'service-e-secret-0123456789abcdef' };
const servicePost = { id: 'service-f', secret: 'service-f-secret-0123456789abcdef' };
const serviceClient = (c: typeof service, method: string) => ({
  client_id: c.id,
  client_name: c.id,
  client_secret: c.secret,
  redirect_uris: [],
  response_types: [],
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: method,
});

let portico: TestPortico;
usePortico((started) => (portico = started), {
  policy: {
    rate_limits: {
      sign_in: { per_ip: { points: 1000 }, per_account: { points: 3, duration_seconds: 600 } },
      registration: { per_ip: { points: 2, duration_seconds: 3600 } },
      recovery: { per_account: { points: 2, duration_seconds: 3600 } },
      token: { per_client: { points: 4, duration_seconds: 60 } },
    },
  },
  extraClients: [serviceClient(service, 'client_secret_basic'), serviceClient(servicePost, 'client_secret_post')],
});

/** An interaction's sign-in page, ready for one post. */
async function signInPage() {
  const rp = await RelyingParty.discover(portico.url, 'firstParty');
  const request = await rp.authorizationRequest();
  return { rp, page: await rp.browser.follow(request.url) };
}

async function signInAttempt(login: string, password: string) {
  const { rp, page } = await signInPage();
  return rp.submitSignIn(page, login, password);
}

function expectTooMany(answer: { response: Response; html?: string }, wait: RegExp) {
  expect(answer.response.status).toBe(429);
  expect(Number(answer.response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(answer.html).toContain('Too many attempts');
  expect(answer.html).toMatch(wait);
}

describe('sign-in', () => {
  it('stops a fourth try on one username for ten minutes, right password or not, and leaves other usernames alone', async () => {
    const user = await portico.createUser();
    const other = await portico.createUser();
    for (let i = 0; i < 3; i++) expect((await signInAttempt(user.username, 'Wrong7Horse')).response.status).toBe(400);
    expectTooMany(await signInAttempt(user.username, user.password), /please wait 10 minutes/);
    // The limit is on the name typed, whatever its case or spacing.
    expectTooMany(await signInAttempt(` ${user.username.toUpperCase()}`, user.password), /please wait 10 minutes/);
    const fine = await signInAttempt(other.username, other.password);
    expect(fine.url).toMatch(/^http:\/\/127\.0\.0\.1:9\/a\/callback\?code=/);
  });

  it('lets exactly three of ten parallel tries through', async () => {
    const user = await portico.createUser();
    const pages = await Promise.all(Array.from({ length: 10 }, () => signInPage()));
    const answers = await Promise.all(pages.map(({ rp, page }) => rp.submitSignIn(page, user.username, 'Wrong7Horse')));
    const statuses = answers.map((a) => a.response.status).sort();
    expect(statuses).toEqual([400, 400, 400, 429, 429, 429, 429, 429, 429, 429]);
  });
});

describe('registration and recovery', () => {
  it('refuses a third registration from one address within the hour', async () => {
    const agent = new UserAgent('http://127.0.0.1:9');
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const form = await agent.follow(`${portico.url}/register`);
      // An incomplete form still counts: the limit is on trying, not on succeeding.
      const answer = await agent.follow(`${portico.url}/register`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, email: `someone${i}@example.com` } });
      statuses.push(answer.response.status);
      if (i === 2) expectTooMany(answer, /please wait (60 minutes|[1-5]?\d minutes|a minute)/);
    }
    expect(statuses).toEqual([400, 400, 429]);
  });

  it('refuses a third password reset for one username, however it is typed', async () => {
    const user = await portico.createUser();
    const statuses = [];
    for (const login of [user.username, user.username.toUpperCase(), user.username]) {
      const agent = new UserAgent('http://127.0.0.1:9');
      const form = await agent.follow(`${portico.url}/recover/password`);
      statuses.push((await agent.follow(`${portico.url}/recover/password`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, login } })).response.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('token endpoint', () => {
  async function clientCredentials(c: typeof service, how: 'basic' | 'post') {
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (how === 'basic') headers.authorization = `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString('base64')}`;
    else Object.assign(form, { client_id: c.id, client_secret: c.secret });
    const response = await fetch(`${portico.url}/token`, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> };
  }

  it('answers a portal over its allowance with 429 JSON and Retry-After, and serves other portals', async () => {
    const first = await Promise.all(Array.from({ length: 4 }, () => clientCredentials(service, 'basic')));
    expect(first.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(first[0]!.body.access_token).toEqual(expect.any(String));
    const over = await clientCredentials(service, 'basic');
    expect(over.status).toBe(429);
    expect(over.body.error).toBe('temporarily_unavailable');
    expect(Number(over.retryAfter)).toBeGreaterThan(0);
    expect((await clientCredentials({ id: clients.service.id, secret: clients.service.secret }, 'basic')).status).toBe(200);
  });

  it('counts a client identified in the form body (client_secret_post) too, and still reads that body', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await clientCredentials(servicePost, 'post'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429]);
    expect(answers[3]!.body.token_type).toBe('Bearer');
  });
});
