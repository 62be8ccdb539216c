import { randomUUID } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPES } from '../../src/config/admin-scopes.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { requestOrganization } from '../../src/identity/organizations/requests.js';
import { Fuzzer, payloads, rawValues } from '../support/fuzz.js';
import { exampleOf, mismatches, openApiProblems, operationsOf, pointer, refusedBy, wrongTypeFor, type Json, type Operation } from '../support/openapi-check.js';
import { clients, startPortico, type TestPortico } from '../support/portico.js';
import { startPostgres, type PostgresService } from '../support/servers.js';
import { RelyingParty } from '../support/rp.js';

/*
 * The admin API against its own OpenAPI document: the document is OpenAPI 3.1, and a walk
 * over every operation it lists calls each with a valid request (the answer is one the
 * document declares, its body of the declared schema) and with invalid ones (400 problem,
 * nothing changed); every operation refuses missing, wrong-scope and non-admin tokens; the
 * fuzz harness runs over them; the audit export streams 100,000 events in flat memory; and
 * two operators acting on one ID at once leave one consistent, fully audited result.
 */

const ops = [
  { id: 'contract-ops-a', secret: 'contract-ops-a-secret-0123456789abcdef' },
  { id: 'contract-ops-b', secret: 'contract-ops-b-secret-0123456789abcdef' },
] as const;
const [opsA, opsB] = ops;

// On PostgreSQL (a server of its own unless DATABASE_URL names one): two operators at once only
// race over separate connections, not over PGlite's one.
let pgServer: PostgresService | undefined;
let portico: TestPortico;
beforeAll(async () => {
  if (!process.env.DATABASE_URL) pgServer = await startPostgres();
  portico = await startPortico({
    ...(pgServer ? { databaseUrl: pgServer.url } : {}),
    extraClients: ops.map((c) => ({ client_id: c.id, client_name: c.id, client_secret: c.secret, grant_types: ['client_credentials'], admin_scopes: [...ADMIN_SCOPES] })),
  });
});
afterAll(async () => {
  await portico?.stop();
  await pgServer?.stop();
});

async function tokenOf(client: { id: string; secret: string }, scope?: string): Promise<string> {
  const response = await fetch(`${portico.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
  });
  const body = (await response.json()) as { access_token?: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.access_token!;
}

const BASE = '/admin/api/v1';
let doc: Json;
let operations: Operation[];
/** A token with every admin scope, and one with each scope alone. */
let all: string;
const only = new Map<string, string>();

beforeAll(async () => {
  doc = (await (await fetch(`${portico.url}${BASE}/openapi.json`)).json()) as Json;
  operations = operationsOf(doc);
  all = await tokenOf(opsA, ADMIN_SCOPES.join(' '));
  for (const scope of ADMIN_SCOPES) only.set(scope, await tokenOf(opsA, scope));
});

const label = (o: Operation) => `${o.method.toUpperCase()} ${o.path}`;
const scopeOf = (o: Operation) => o.op.security![0]!.adminClient![0]!;
/** What the schemas cannot say: a type the test policy declares, and names registration's rules take. */
const KNOWN = { type: 'provider', given_name: 'Walker', family_name: 'Contract', reason: 'The Tax ID does not match the legal name.' };

let taxIds = 0;
/** A pending organisation to decide: what an organisation's routes act on instead of an ID. */
async function pendingOrganization(): Promise<string> {
  const db = portico.server.database.db;
  const user = await portico.createUser();
  const digits = `12${String(Date.now() % 100_000).padStart(5, '0')}${String(taxIds++ % 100).padStart(2, '0')}`;
  const fields = { taxId: digits, legalName: 'Contract Walk Clinic', address: '1 Walk St, Duluth MN 55802', phone: '218-555-0100' };
  const requested = await requestOrganization(db, portico.config.policy.organizations, (await findAccountById(db, user.id))!, fields);
  if (!requested.ok || requested.kind !== 'register') throw new Error(`request refused: ${JSON.stringify(requested)}`);
  return requested.organizationId;
}

/** The status an organisation route needs to answer a valid request with success. */
const NEEDED_STATUS: Record<string, 'approved' | 'suspended'> = { org_suspend: 'approved', org_reinstate: 'suspended' };

/** An organisation the operation can act on: pending, unless it suspends or reinstates one. */
async function organizationFor(o: Operation): Promise<string> {
  const id = await pendingOrganization();
  const status = NEEDED_STATUS[String(o.op.operationId)];
  if (status) await portico.server.database.db.updateTable('organizations').set({ status }).where('id', '=', id).execute();
  return id;
}

/** A dead-lettered webhook event to replay: what the webhook routes act on. */
async function deadWebhook(): Promise<string> {
  const id = randomUUID();
  await portico.server.database.db.insertInto('webhook_outbox').values({ id, event_type: 'account.disabled', subject: id, status: 'dead', attempts: 3, last_error: 'walk: HTTP 500' }).execute();
  return id;
}

/** The id a valid request of the operation acts on. */
const subjectOf = async (o: Operation, userId: string) => (o.path.startsWith('/orgs/{id}') ? organizationFor(o) : o.path.startsWith('/webhooks/{id}') ? deadWebhook() : userId);

/** A lone surrogate as U+FFFD, as a URL encoder must send it. */
const wellFormed = (text: string) => text.replace(/\p{Cs}/gu, '\ufffd');

/** The operation's URL with the path parameters filled (`id` with the seeded ID) and `query` added. */
function urlOf(o: Operation, id: string, query: Record<string, string> = {}, path: Record<string, string> = {}): string {
  const filled = o.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(wellFormed(path[name] ?? (name === 'id' ? id : String(exampleOf(o.parameters.find((p) => p.name === name)?.schema ?? {}))))));
  const search = new URLSearchParams(query).toString();
  return `${portico.url}${BASE}${filled}${search ? `?${search}` : ''}`;
}

function call(o: Operation, url: string, token: string | undefined, body?: string, type = 'application/json', headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: o.method.toUpperCase(),
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': type } : {}), ...headers },
    body,
  });
}

/** A valid request of the operation: its required query parameters and a body built from its schema. */
function validRequest(o: Operation, id: string): Promise<Response> {
  const query = Object.fromEntries(o.parameters.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, String(exampleOf(p.schema))]));
  return call(o, urlOf(o, id, query), all, o.body ? JSON.stringify(exampleOf(o.body, KNOWN)) : undefined);
}

/** The answer is one the document declares for the operation, with the declared media type and, for JSON, schema. */
async function expectDeclared(o: Operation, response: Response): Promise<unknown> {
  const declared = o.op.responses[String(response.status)];
  expect(declared, `${label(o)} answered ${response.status}, which the document does not declare`).toBeDefined();
  const resolved = (declared!.$ref ? pointer(doc, declared!.$ref as string) : declared) as { content?: Record<string, { schema: Json }> };
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const text = await response.text();
  if (!text) return undefined;
  expect(Object.keys(resolved.content ?? {}), `${label(o)} ${response.status}`).toContain(mediaType);
  if (!/json$/.test(mediaType)) return text;
  const body = JSON.parse(text) as unknown;
  expect(mismatches(doc, resolved.content![mediaType]!.schema, body), `${label(o)} ${response.status} ${text.slice(0, 300)}`).toEqual([]);
  return body;
}

async function expectProblem(o: Operation | undefined, response: Response, status: number, kind?: string): Promise<Json> {
  const text = await response.clone().text();
  expect(response.status, `${o ? label(o) : ''} ${text.slice(0, 300)}`).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (o ? await expectDeclared(o, response) : JSON.parse(text)) as Json;
  if (kind) expect(body.type).toBe(`urn:portico:admin-api:problem:${kind}`);
  return body;
}

/** Everything a refused request could have changed about an ID: its row, its audit trail, its sessions' end. */
async function snapshot(id: string) {
  const db = portico.server.database.db;
  const account = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  const audit = await db.selectFrom('audit_events').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const devices = await db.selectFrom('trusted_devices').select(sql<string>`count(*)`.as('n')).where('account_id', '=', id).executeTakeFirstOrThrow();
  return JSON.stringify({ account, audit: audit.n, devices: devices.n });
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1: its objects as specified, every $ref resolving, path parameters declared, operationIds unique, each schema readable', () => {
    expect(openApiProblems(doc)).toEqual([]);
    expect(operations.length).toBeGreaterThan(5);
    for (const o of operations) {
      expect(o.op.security, label(o)).toEqual([{ adminClient: [expect.stringMatching(/^admin:/)] }]);
      for (const status of ['400', '401', '403']) expect(o.op.responses[status], `${label(o)} ${status}`).toBeDefined();
    }
  });
});

describe('a walk over every operation of the document', () => {
  it('answers a valid request as the document declares, with a body of the declared schema', async () => {
    for (const o of operations) {
      const user = await portico.createUser();
      const response = await validRequest(o, await subjectOf(o, user.id));
      expect(response.status, `${label(o)}: a valid request`).toBeLessThan(300);
      const body = await expectDeclared(o, response);
      if (o.op.operationId === 'audit_export') expect(String(body).split('\n').filter(Boolean).every((line) => JSON.parse(line) !== null)).toBe(true);
    }
  });

  it('answers invalid requests (unknown field, wrong type, too long, malformed JSON, wrong media type) with a 400 problem and changes nothing', async () => {
    for (const o of operations) {
      const user = await portico.createUser();
      const before = await snapshot(user.id);
      const valid = o.body ? (exampleOf(o.body, KNOWN) as Json) : undefined;
      const refused: Array<[string, Response, number?]> = [[`?unknown`, await call(o, urlOf(o, user.id, { walk_unknown: '1' }), all, valid && JSON.stringify(valid))]];
      for (const p of o.parameters.filter((p) => ['query', 'path', 'header'].includes(p.in))) {
        const bad = refusedBy(p.schema);
        if (bad === undefined) continue;
        const url = p.in === 'query' ? urlOf(o, user.id, { [p.name]: bad }) : p.in === 'path' ? urlOf(o, user.id, {}, { [p.name]: bad }) : urlOf(o, user.id);
        const headers = p.in === 'header' ? { [p.name]: bad } : {};
        refused.push([`${p.in} ${p.name}=${bad.slice(0, 20)}`, await call(o, url, all, valid && JSON.stringify(valid), 'application/json', headers)]);
      }
      const url = urlOf(o, user.id);
      if (o.body && valid) {
        refused.push(['malformed JSON', await call(o, url, all, '{"type":')]);
        refused.push(['a JSON array', await call(o, url, all, '[]')]);
        refused.push(['unknown body field', await call(o, url, all, JSON.stringify({ ...valid, walk_unknown: 1 }))]);
        refused.push(['text/plain', await call(o, url, all, JSON.stringify(valid), 'text/plain'), 415]);
        for (const [name, schema] of Object.entries((o.body.properties ?? {}) as Record<string, Json>)) {
          refused.push([`${name} of a wrong type`, await call(o, url, all, JSON.stringify({ ...valid, [name]: wrongTypeFor(schema) }))]);
        }
      } else if (o.method !== 'get') {
        // A route that takes no body refuses one, as it refuses an unknown field.
        refused.push(['a body where none is taken', await call(o, url, all, JSON.stringify({ walk_unknown: 1 }))]);
      }
      for (const [what, response, status] of refused) {
        const problem = await expectProblem(o, response, status ?? 400);
        expect(problem.type, `${label(o)} ${what}`).toBe(`urn:portico:admin-api:problem:${status === 415 ? 'unsupported-media-type' : 'invalid-request'}`);
      }
      expect(await snapshot(user.id), `${label(o)}: a refused request changed something`).toBe(before);
    }
  });
});

describe('authorisation on every operation', () => {
  it('401 without a token, 403 with another scope, 403 for a non-admin client\'s token, and no operation reachable with a person\'s access token', async () => {
    const user = await portico.createUser();
    const service = await tokenOf(clients.service);
    const rp = await RelyingParty.discover(portico.url);
    const person = (await rp.signIn(user.username, user.password)).tokens.access_token;
    const before = await snapshot(user.id);
    for (const o of operations) {
      const body = o.body ? JSON.stringify(exampleOf(o.body, KNOWN)) : undefined;
      const url = urlOf(o, user.id);
      const none = await call(o, url, undefined, body);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      await expectProblem(o, none, 401, 'invalid-token');
      const other = ADMIN_SCOPES.find((s) => s !== scopeOf(o))!;
      await expectProblem(o, await call(o, url, only.get(other), body), 403, 'insufficient-scope');
      await expectProblem(o, await call(o, url, service, body), 403, 'insufficient-scope');
      const byPerson = await call(o, url, person, body);
      expect([401, 403], `${label(o)} with a person's access token`).toContain(byPerson.status);
      await expectProblem(o, byPerson, byPerson.status);
    }
    expect(await snapshot(user.id)).toBe(before);
  });
});

describe('bad input', () => {
  it('refuses invalid cursors with 400 naming the cursor', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const cursors = ['garbage', '%%%', b64([]), b64(['a', 'b', 'c', 'd', 'e']), b64([1]), b64({ id: 1 }), b64(['x'.repeat(500)]), 'x'.repeat(1001)];
    const lists = operations.filter((o) => o.parameters.some((p) => p.name === 'cursor'));
    expect(lists.length).toBeGreaterThan(0);
    for (const o of lists) {
      for (const cursor of cursors) {
        const problem = await expectProblem(o, await call(o, urlOf(o, 'x', { cursor }), all), 400, 'invalid-request');
        expect(problem.errors, `${label(o)} cursor=${cursor.slice(0, 30)}`).toEqual([expect.objectContaining({ in: 'query', field: 'cursor' })]);
      }
    }
    const audit = operations.find((o) => o.op.operationId === 'audit_search')!;
    await expectProblem(audit, await call(audit, urlOf(audit, 'x', { cursor: b64(['not digits']) }), all), 400, 'invalid-request');
  });

  it('refuses huge bodies with a problem, and keeps answering', async () => {
    const user = await portico.createUser();
    const before = await snapshot(user.id);
    for (const o of operations.filter((o) => o.method !== 'get')) {
      const valid = (o.body ? exampleOf(o.body, KNOWN) : {}) as Json;
      for (const size of [64 << 10, 4 << 20]) {
        const response = await call(o, urlOf(o, user.id), all, JSON.stringify({ ...valid, pad: 'p'.repeat(size) }));
        await expectProblem(o, response, 400, 'invalid-request');
      }
    }
    expect(await snapshot(user.id)).toBe(before);
    expect((await fetch(`${portico.url}${BASE}/openapi.json`)).status).toBe(200);
  });

  it('the fuzz harness over every operation: no 5xx, no payload reflected, every refusal a problem', async () => {
    const fuzz = new Fuzzer(portico.url);
    const user = await portico.createUser();
    const headers = (json: boolean) => ({ authorization: `Bearer ${all}`, accept: 'application/json', ...(json ? { 'content-type': 'application/json' } : {}) });
    const problemsMissing: string[] = [];
    const check = async (sent: Promise<{ label: string; status: number; body: string }>) => {
      const { label: what, status, body } = await sent;
      // 414 and 431 are Node's own refusals of a URL too long to read, before any route.
      if (status >= 400 && status !== 414 && status !== 431 && !/"type":"urn:portico:admin-api:problem:/.test(body)) problemsMissing.push(`${what}: ${status}`);
    };
    const brokenBodies = { 'not JSON': '{"a":', 'JSON null': 'null', 'JSON string': '"x"', 'deep nesting': `${'['.repeat(5000)}${']'.repeat(5000)}`, 'prototype keys': '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}', 'binary': '\u00ff\u00fe\u0000' };
    for (const o of operations) {
      const endpoint = label(o);
      const method = o.method.toUpperCase();
      const valid = (o.body ? exampleOf(o.body, KNOWN) : undefined) as Json | undefined;
      const body = valid && JSON.stringify(valid);
      for (const [what, value] of Object.entries(payloads)) {
        const v = value.slice(0, 4000);
        for (const p of o.parameters.filter((p) => p.in === 'query' || p.in === 'path')) {
          const url = p.in === 'query' ? urlOf(o, user.id, { [p.name]: v }) : urlOf(o, user.id, {}, { [p.name]: v });
          await check(fuzz.send(endpoint, url, { method, headers: headers(body !== undefined), body }, `${p.name}=${what}`));
        }
        for (const name of Object.keys((o.body?.properties ?? {}) as Json)) {
          await check(fuzz.send(endpoint, urlOf(o, user.id), { method, headers: headers(true), body: JSON.stringify({ ...valid, [name]: value }) }, `body ${name}=${what}`));
        }
      }
      for (const raw of rawValues) await check(fuzz.send(endpoint, `${urlOf(o, user.id)}?q=${raw}`, { method, headers: headers(body !== undefined), body }, `raw ${raw}`));
      if (o.method !== 'get') for (const [what, broken] of Object.entries(brokenBodies)) await check(fuzz.send(endpoint, urlOf(o, user.id), { method, headers: headers(true), body: broken }, what));
    }
    console.log(`admin API ${fuzz.summary()}`);
    expect(fuzz.failures).toEqual([]);
    expect(problemsMissing).toEqual([]);
    expect(fuzz.endpoints.size).toBe(operations.length);
  });
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('audit export', () => {
  it('streams 100,000 events as JSON Lines without holding them: memory stays flat, far below the export\'s size', async () => {
    const db = portico.server.database.db;
    const EVENTS = 100_000;
    // In bulk, by SQL, past the server's statement timeout: the test is about reading them out.
    await db.transaction().execute(async (trx) => {
      await sql`set local statement_timeout = 0`.execute(trx);
      await sql`insert into audit_events (action, actor, account_id, details)
        select 'bulk.export', 'operator:bulk', 'bulk-' || (g % 100), jsonb_build_object('n', g, 'note', repeat('x', 250))
        from generate_series(1, ${EVENTS}) as g`.execute(trx);
    });
    // Every event (the newest-first keyset walks the primary key); over a connection of its own,
    // read as the bytes arrive.
    const o = operations.find((o) => o.op.operationId === 'audit_export')!;
    const response = await new Promise<IncomingMessage>((resolve, reject) => get(urlOf(o, 'x'), { agent: false, headers: { authorization: `Bearer ${all}` } }, resolve).on('error', reject));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/jsonl/);

    const mb = (bytes: number) => (bytes / (1 << 20)).toFixed(1);
    // The live heap, after a full collection: what garbage not yet collected hides.
    // Buffers (external, array buffers) are counted with it: a held export could sit there.
    const live = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    const start = { ...process.memoryUsage(), heapUsed: live() };
    let peakHeap = start.heapUsed;
    let peakRss = start.rss;
    let sampledAt = 0;
    let bytes = 0;
    let lines = 0;
    let bulk = 0;
    let rest = '';
    let lastId = Infinity;
    const decoder = new TextDecoder();
    for await (const chunk of response as AsyncIterable<Buffer>) {
      bytes += chunk.byteLength;
      const parts = (rest + decoder.decode(chunk, { stream: true })).split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        // Newest first: the id falls line by line.
        const event = JSON.parse(line) as { id: string; action: string };
        expect(Number(event.id)).toBeLessThan(lastId);
        lastId = Number(event.id);
        if (event.action === 'bulk.export') bulk++;
        lines++;
      }
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (bytes - sampledAt > 2 << 20) {
        sampledAt = bytes;
        peakHeap = Math.max(peakHeap, live());
      }
    }
    expect(rest).toBe('');
    expect(bulk).toBe(EVENTS);
    const heapGrowth = peakHeap - start.heapUsed;
    const rssGrowth = peakRss - start.rss;
    console.log(
      `audit export: ${lines} events (${bulk} inserted for it), ${mb(bytes)} MB streamed; live heap and buffers ${mb(start.heapUsed)} MB before, at most ${mb(peakHeap)} MB during (+${mb(heapGrowth)} MB), rss ${mb(start.rss)} MB before, at most ${mb(peakRss)} MB during (+${mb(rssGrowth)} MB)`,
    );
    // Holding the export would take its size again (and more as JS strings); a stream holds a
    // batch. RSS is printed, not bounded: a fresh process's allocator grows its spaces on the
    // first large traffic and keeps them, whatever is live.
    expect(bytes).toBeGreaterThan(30 << 20);
    expect(heapGrowth).toBeLessThan(bytes / 10);
  }, 120_000);
});

describe('two operators on one ID at once', () => {
  type Event = { id: string; action: string; actor: string; details: { changed: boolean; from?: string; to?: string } };
  let tokens: string[];
  beforeAll(async () => {
    tokens = await Promise.all(ops.map((c) => tokenOf(c, 'admin:users:write admin:users:read admin:audit:read')));
  });
  const post = (token: string, path: string, body?: object) =>
    fetch(`${portico.url}${BASE}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body && JSON.stringify(body) });
  const trail = async (id: string, action: string) => {
    const page = (await (await fetch(`${portico.url}${BASE}/audit?account=${id}&action=${action}&limit=200`, { headers: { authorization: `Bearer ${tokens[0]}` } })).json()) as { items: Event[] };
    return page.items.reverse();
  };
  const row = (id: string) => portico.server.database.db.selectFrom('accounts').select(['status', 'lock_reason', 'locked_at', 'account_type']).where('id', '=', id).executeTakeFirstOrThrow();

  it('disable and enable at once: one consistent state, the later change\'s, and both audited with their operator', async () => {
    const user = await portico.createUser();
    for (let round = 0; round < 6; round++) {
      const [a, b] = await Promise.all([post(tokens[0]!, `/users/${user.id}/disable`), post(tokens[1]!, `/users/${user.id}/enable`)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const now = await row(user.id);
      // Disabled by an operator with its reason and time, or active with no lock left over.
      if (now.status === 'disabled') expect(now).toMatchObject({ lock_reason: 'operator', locked_at: expect.any(Date) });
      else expect(now).toMatchObject({ status: 'active', lock_reason: null, locked_at: null });
      const events = (await trail(user.id, 'operator.*')).slice(-2);
      expect(events.map((e) => [e.action, e.actor]).sort()).toEqual([
        ['operator.disable', `client:${opsA.id}`],
        ['operator.enable', `client:${opsB.id}`],
      ]);
      const lastChange = events.filter((e) => e.details.changed).at(-1);
      if (lastChange) expect(now.status).toBe(lastChange.action === 'operator.disable' ? 'disabled' : 'active');
    }
  });

  it('two set-type at once: one of the two types, and an audit trail whose changes chain from one type to the next', async () => {
    const user = await portico.createUser();
    for (let round = 0; round < 4; round++) {
      const [first, second] = round % 2 ? ['employer', 'provider'] : ['provider', 'employer'];
      const answers = await Promise.all([post(tokens[0]!, `/users/${user.id}/type`, { type: first }), post(tokens[1]!, `/users/${user.id}/type`, { type: second })]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      const now = await row(user.id);
      expect(['provider', 'employer']).toContain(now.account_type);
    }
    const events = await trail(user.id, 'operator.set_type');
    expect(events).toHaveLength(8);
    expect(events.filter((e) => e.actor === `client:${opsA.id}`)).toHaveLength(4);
    // Each change starts from the type the one before it left, and the last leaves the type the ID has.
    let type = 'member';
    for (const e of events) {
      if (!e.details.changed) {
        expect(e.details.to, JSON.stringify(events.map((e) => e.details))).toBe(type);
        continue;
      }
      expect(e.details.from, JSON.stringify(events.map((e) => e.details))).toBe(type);
      type = e.details.to!;
    }
    expect((await row(user.id)).account_type).toBe(type);
  });
});
