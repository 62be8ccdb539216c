import { afterAll, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { trustDevice } from '../../src/identity/trusted-devices.js';
import { hashAnswers, saveAnswers } from '../../src/identity/registration/security-answers.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { insertAccount } from '../../src/identity/accounts.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { SecondStepMethod } from '../../src/methods/index.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { rateLimitKeyPrefix, rateLimitNamespace } from '../../src/web/rate-limits.js';
import { freePort } from './servers.js';

/** The portal callback origin used by every test client; nothing needs to listen there for the RP tests. */
export const portalOrigin = 'http://127.0.0.1:9';
/** The remembered-device cookie of the tests' usual browser (see createUser). */
export const DEVICE_COOKIE = 'portico_device';
export const TEST_DEVICE_TOKEN = 'test-device-token-0123456789abcdefghijklmno';
/** Security answers createUser({ withAnswers: true }) sets. */
export const TEST_ANSWERS = [
  { questionId: 'first_pet', answer: 'Rex the Dog' },
  { questionId: 'birth_city', answer: 'Duluth' },
];
export const clients = {
  firstParty: { id: 'portal-a', secret: 'portal-a-secret-0123456789abcdef', redirectUri: `${portalOrigin}/a/callback`, logoutUri: `${portalOrigin}/a/` },
  thirdParty: { id: 'spa-b', redirectUri: `${portalOrigin}/b/callback` },
  service: { id: 'service-c', secret: 'service-c-secret-0123456789abcdef' },
  /** require_second_step: every sign-in takes the second step, remembered device or not. */
  strict: { id: 'portal-d', secret: 'portal-d-secret-0123456789abcdef', redirectUri: `${portalOrigin}/d/callback` },
};

function clientsJson(portal = portalOrigin) {
  return {
    clients: [
      {
        client_id: clients.firstParty.id,
        client_name: 'Portal A',
        client_secret: clients.firstParty.secret,
        redirect_uris: [clients.firstParty.redirectUri.replace(portalOrigin, portal)],
        post_logout_redirect_uris: [clients.firstParty.logoutUri.replace(portalOrigin, portal)],
        grant_types: ['authorization_code', 'refresh_token'],
        first_party: true,
      },
      {
        client_id: clients.thirdParty.id,
        client_name: 'Portal B',
        token_endpoint_auth_method: 'none',
        redirect_uris: [clients.thirdParty.redirectUri.replace(portalOrigin, portal)],
        grant_types: ['authorization_code', 'refresh_token'],
      },
      {
        client_id: clients.service.id,
        client_name: 'Service C',
        client_secret: clients.service.secret,
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        first_party: true,
      },
      {
        client_id: clients.strict.id,
        client_name: 'Portal D',
        client_secret: clients.strict.secret,
        redirect_uris: [clients.strict.redirectUri.replace(portalOrigin, portal)],
        first_party: true,
        require_second_step: true,
      },
    ],
  };
}

/** In CI's second pass DATABASE_URL names a server: each test server gets a fresh database on it. */
async function freshDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `portico_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface PorticoOptions {
  /** Reuse stores (restart and multi-process tests). */
  dataDir?: string;
  databaseUrl?: string;
  redisUrl?: string | null;
  portalOrigin?: string;
  env?: Record<string, string>;
  /** Listen on this port (a restart keeps its issuer). */
  port?: number;
  /** The public issuer, when it is not this server's own address (behind a load balancer). */
  issuer?: string;
  /** Leave the fresh database in place on stop, for a restart to reuse. */
  keepDatabase?: boolean;
  /** More entries for the clients file. */
  extraClients?: object[];
  /** Where the server logs (silent without one). */
  logger?: Logger;
  /** The policy file's content (POLICY_FILE in `env` wins); defaults apply without one. */
  policy?: object;
  /** The second-step methods, when not src/methods/index.ts's list. */
  methods?: readonly SecondStepMethod[];
}

export interface TestPortico {
  url: string;
  server: RunningServer;
  config: Config;
  databaseUrl?: string;
  dropDatabase(): Promise<void>;
  /**
   * An account inserted directly. Unless `trustDevice` is false, the test device (the cookie
   * RelyingParty's user agent and trustedContext() present) is remembered for it, so a sign-in
   * skips the second step as it would on the person's usual browser.
   */
  createUser(input?: Partial<{ username: string; email: string; password: string; givenName: string; familyName: string; trustDevice: boolean; withAnswers: boolean }>): Promise<{ id: string; username: string; email: string; password: string }>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startPortico(options: PorticoOptions = {}): Promise<TestPortico> {
  const work = mkdtempSync(path.join(tmpdir(), 'portico-test-'));
  const clientsFile = path.join(work, 'clients.json');
  const file = clientsJson(options.portalOrigin);
  writeFileSync(clientsFile, JSON.stringify({ clients: [...file.clients, ...(options.extraClients ?? [])] }));
  const policyFile = path.join(work, 'policy.json');
  if (options.policy) writeFileSync(policyFile, JSON.stringify(options.policy));
  let database = options.databaseUrl ? { url: options.databaseUrl, drop: async () => {} } : undefined;
  if (!database && !options.dataDir && process.env.DATABASE_URL) database = await freshDatabase(process.env.DATABASE_URL);
  const redisUrl = options.redisUrl === null ? undefined : (options.redisUrl ?? process.env.REDIS_URL);
  const port = options.port ?? (await freePort());
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: options.issuer ?? `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    CLIENTS_FILE: clientsFile,
    POLICY_FILE: policyFile,
    DATA_DIR: options.dataDir ?? 'memory://',
    // The migrated cluster test/support/pglite-template.ts dumped once for this run.
    ...(process.env.PGLITE_TEMPLATE ? { PGLITE_TEMPLATE: process.env.PGLITE_TEMPLATE } : {}),
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    ...options.env,
  });
  // NODE_ENV=test leaves the breach check off; a test that turns it on must use a fake here (fake-pwned.ts).
  const breach = config.policy.password.breach_check;
  if (breach.enabled && new URL(breach.url).hostname !== '127.0.0.1') {
    rmSync(work, { recursive: true, force: true });
    await database?.drop();
    throw new Error(`tests must not reach ${breach.url}: use startFakePwned()`);
  }
  // A start-up refused (a test of a broken config) leaves no fresh database behind.
  const server = await startServer(config, options.logger ?? createLogger('silent'), { methods: options.methods }).catch(async (error: unknown) => {
    rmSync(work, { recursive: true, force: true });
    await database?.drop();
    throw error;
  });
  // A new server gets fresh counters, as it gets a fresh database: the test servers share one
  // Redis, and a port (hence an issuer, the counters' namespace) used by an earlier test file
  // would otherwise hand this one that file's rate-limit counts.
  const fresh = !options.databaseUrl && !options.dataDir && options.port === undefined && options.issuer === undefined;
  if (fresh && server.redis) await forgetRateLimits(server.redis, config.issuer);
  const hasher = new PasswordHasher(config.policy.argon2);
  return {
    url: options.issuer ?? server.url,
    server,
    config,
    databaseUrl: database?.url,
    dropDatabase: async () => database?.drop(),
    async createUser(input = {}) {
      const n = `${Date.now().toString(36)}${++counter}`;
      const user = {
        username: input.username ?? `user${n}`,
        email: input.email ?? `user${n}@example.com`,
        password: input.password ?? 'Correct7Horse',
      };
      const account = await insertAccount(server.database.db, {
        ...user,
        givenName: input.givenName ?? 'Jane',
        familyName: input.familyName ?? 'Smith',
        passwordHash: await hasher.hash(user.password),
        emailVerified: true,
      });
      // Accepted the current terms, as registration records them.
      await server.database.db.updateTable('accounts').set({ terms_version: config.policy.registration.terms.version, terms_accepted_at: new Date() }).where('id', '=', account.id).execute();
      if (input.trustDevice !== false) await trustDevice(server.database.db, account.id, TEST_DEVICE_TOKEN, 'test device', 1);
      if (input.withAnswers) await saveAnswers(server.database.db, account.id, await hashAnswers(hasher, TEST_ANSWERS));
      return { id: account.id, ...user };
    },
    async stop() {
      await server.close();
      if (!options.databaseUrl && !options.keepDatabase) await database?.drop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Deletes the rate-limit counters of `issuer`'s namespace. */
async function forgetRateLimits(redis: NonNullable<RunningServer['redis']>, issuer: string): Promise<void> {
  const prefix = rateLimitKeyPrefix(rateLimitNamespace(issuer));
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** The fast path for tests: an account inserted directly, with its password hashed as sign-in expects. */
export function createUser(portico: TestPortico, input?: Parameters<TestPortico['createUser']>[0]) {
  return portico.createUser(input);
}

export interface PorticoCluster {
  /** The load balancer's address: the issuer every server publishes. */
  url: string;
  servers: TestPortico[];
  /** How many requests each server answered, in `servers` order. */
  served: number[];
  createUser: TestPortico['createUser'];
  stop(): Promise<void>;
}

/**
 * `count` Portico servers (separate startServer() instances, each with its own ProviderHost) on
 * one database and Redis, behind a round-robin load balancer on 127.0.0.1 whose address is the
 * issuer: consecutive requests land on different servers. Needs a PostgreSQL URL (options, or
 * a fresh database on DATABASE_URL's server): PGlite's data directory has one owner.
 */
export async function startPorticoCluster(count: number, options: PorticoOptions = {}): Promise<PorticoCluster> {
  const backends: string[] = [];
  const served = Array.from({ length: count }, () => 0);
  let next = 0;
  const balancer: Server = createServer((req, res) => {
    const index = next++ % backends.length;
    served[index]!++;
    const upstream = httpRequest(new URL(req.url ?? '/', backends[index]), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.once('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(balancer.address() as AddressInfo).port}`;
  const servers: TestPortico[] = [];
  const stop = async () => {
    balancer.closeAllConnections();
    await new Promise<void>((resolve) => balancer.close(() => resolve()));
    const first = servers[0];
    for (const server of [...servers].reverse()) await server.stop();
    await first?.dropDatabase();
  };
  try {
    // The first server migrates (and, on DATABASE_URL's server, gets a fresh database); the rest share it.
    servers.push(await startPortico({ ...options, issuer: url, keepDatabase: true }));
    const databaseUrl = servers[0]!.config.databaseUrl;
    if (!databaseUrl) throw new Error('startPorticoCluster needs PostgreSQL: pass databaseUrl or set DATABASE_URL');
    const redisUrl = servers[0]!.config.redisUrl ?? null;
    while (servers.length < count) servers.push(await startPortico({ ...options, issuer: url, databaseUrl, redisUrl }));
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  backends.push(...servers.map((server) => server.server.url));
  return { url, servers, served, createUser: (input) => servers[0]!.createUser(input), stop };
}

/** Registrations in a test file all come from 127.0.0.1: the per-address limit would end it early. */
export const NO_REGISTRATION_LIMIT: PorticoOptions = { policy: { rate_limits: { registration: { per_ip: { points: 0 } } } } };

/**
 * A Portico for one test file: started before its tests (`take` hands it to the file's
 * variables) and stopped after them, whatever they did.
 */
export function usePortico(take: (portico: TestPortico, db: TestPortico['server']['database']['db']) => void, options: PorticoOptions = {}): void {
  let started: TestPortico | undefined;
  beforeAll(async () => {
    started = await startPortico(options);
    take(started, started.server.database.db);
  });
  afterAll(() => started?.stop());
}
