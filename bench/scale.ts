import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { CompiledQuery, type Compilable } from 'kysely';
import { selectAccountByLogin } from '../src/identity/accounts.js';
import { findAccountByEmail, selectAccountByEmail } from '../src/identity/registration/verification-mail.js';
import { RedisAdapter } from '../src/oidc/adapters/redis.js';
import { openDatabase, openMigrationDb, type Db } from '../src/storage/database.js';
import { writeConfigFiles } from './config-files.js';
import { cpuSets } from './cpu-sets.js';
import { DEVICE_COOKIE, DEVICE_TOKEN } from './fixtures.js';
import { Http, Jar } from './http.js';
import { runLoadProcess } from './load-process.js';
import { benchStores, startBenchPortico } from './portico-server.js';
import { writeReport } from './report.js';
import { formatCapacity, formatScale, type Lookup, type SizeResult } from './scale-report.js';
import { bulkAccounts, copies, copyRefreshTokens, redisUsedBytes, scaleEmail, scaleUsername, tableSizes } from './scale-seed.js';
import { signIn } from './scenarios/sign-in.js';
import { seedAccounts } from './seed.js';

/*
 * `npm run bench:scale`: what Portico's cost does as the data grows. For each size in
 * BENCH_SCALE_SIZES (default 10000,100000,1000000) it grows PostgreSQL to that many accounts
 * and Redis to as many sessions and as many refresh tokens (each with its grant), then measures
 * at a steady, modest rate (open loop, so latency is not hidden by a queue): complete sign-ins
 * and refresh_token grants through HTTP, and the two account lookups a page makes (forgot
 * username by address, sign-in by username or address) in-process against PostgreSQL, with the
 * plan PostgreSQL chose. Prints the table, Redis bytes per session and per refresh token,
 * PostgreSQL's table and index sizes, and the capacity table the README quotes; writes JSON to
 * bench/results/. BENCH_SECONDS (default 10) per measurement; DATABASE_URL / REDIS_URL use
 * servers of your own instead of throwaway ones.
 */
const root = path.resolve(import.meta.dirname, '..');
const sizes = (process.env.BENCH_SCALE_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const cpus = cpuSets();
const LOOKUPS = 500;

function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! * 1000) / 1000;
}

/** The scans in PostgreSQL's plan for `query` (EXPLAIN, not run). */
async function planOf(db: Db, query: Compilable): Promise<string> {
  const compiled = query.compile();
  const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]));
  return rows.map((r) => r['QUERY PLAN'].trim().replace(/^->\s*/, '')).filter((line) => /Scan/.test(line)).map((line) => line.replace(/\s+\(cost.*$/, '')).join('; ');
}

/** `LOOKUPS` lookups of random bulk accounts, one at a time. */
async function timeLookups(db: Db, accounts: number, lookup: (n: number) => Promise<unknown>, plan: Compilable): Promise<Lookup> {
  const took: number[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const n = Math.floor(Math.random() * accounts);
    const since = performance.now();
    if (!(await lookup(n))) throw new Error(`lookup found no scale${n}`);
    took.push(performance.now() - since);
  }
  took.sort((a, b) => a - b);
  return { p50Ms: percentile(took, 0.5), p99Ms: percentile(took, 0.99), plan: await planOf(db, plan) };
}

const stops: Array<() => Promise<void>> = [];
const work = mkdtempSync(path.join(tmpdir(), 'portico-bench-scale-'));
try {
  const { databaseUrl, redisUrl } = await benchStores(stops);
  const files = writeConfigFiles(work);
  const { logins, hash } = await seedAccounts(databaseUrl, files.policy, 16);
  const portico = await startBenchPortico({ root, files, databaseUrl, redisUrl, workers: cpus.serverCores, cpus: cpus.server });
  stops.unshift(() => portico.server.stop());
  const database = await openDatabase({ databaseUrl, dataDir: 'unused' });
  stops.unshift(() => database.close());
  const bulk = openMigrationDb(database.db);
  stops.unshift(() => bulk.close());
  const redis = new Redis(redisUrl);
  stops.unshift(async () => redis.disconnect());

  // One real sign-in: every seeded session, refresh token and grant is a copy of what it left.
  const http = new Http(portico.url, 1);
  const jar = new Jar({ [DEVICE_COOKIE]: DEVICE_TOKEN });
  const tokens = await signIn(http, logins[0]!, jar);
  http.close();
  const now = Math.floor(Date.now() / 1000);
  const original = async (model: string, id: string) => {
    const payload = await new RedisAdapter(model, redis).find(id);
    if (!payload?.exp) throw new Error(`bench:scale: no ${model} after a sign-in`);
    return { payload, ttl: payload.exp - now };
  };
  const session = await original('Session', jar.get('_session') ?? '');
  const refreshToken = await original('RefreshToken', tokens.refresh_token);
  const grant = await original('Grant', String(refreshToken.payload.grantId));
  process.stdout.write(`Portico ${portico.url} (${cpus.serverCores} worker(s)${cpus.server ? ` on CPU ${cpus.server}` : ''}); sizes ${sizes.join(', ')}\n`);

  const results: SizeResult[] = [];
  let seeded = 0;
  let refreshIds: string[] = [];
  for (const size of sizes) {
    const started = performance.now();
    process.stdout.write(`growing to ${size.toLocaleString('en')} accounts, sessions and refresh tokens\n`);
    await bulkAccounts(bulk.db, hash, files.policy.registration.terms.version, seeded, size);
    const beforeSessions = await redisUsedBytes(redis);
    const sessionIds = Array.from({ length: size - seeded }, (_, i) => `scale-session-${seeded + i}`);
    await copies(redis, 'Session', session.payload, session.ttl, sessionIds, (id) => ({ jti: id, uid: id }));
    const beforeTokens = await redisUsedBytes(redis);
    refreshIds = refreshIds.concat(await copyRefreshTokens(redis, refreshToken, grant, 'scale-refresh-', seeded, size));
    const afterTokens = await redisUsedBytes(redis);
    const seedSeconds = Math.round((performance.now() - started) / 100) / 10;
    const added = size - seeded;
    seeded = size;

    const pids = portico.server.pids();
    const signIns = await runLoadProcess({ scenario: 'sign-in', url: portico.url, connections: 4, rate: 4, durationMs: seconds * 1000, warmupMs: 1000, params: { logins }, serverPids: pids }, cpus.load);
    // Each connection follows the chain of one seeded refresh token, picked anywhere in the store.
    const chains = Array.from({ length: 8 }, () => refreshIds.splice(Math.floor(Math.random() * refreshIds.length), 1)[0]!);
    const refresh = await runLoadProcess({ scenario: 'refresh-token', url: portico.url, connections: chains.length, rate: 50, durationMs: seconds * 1000, params: { refreshTokens: chains }, serverPids: pids }, cpus.load);
    const forgotUsername = await timeLookups(database.db, size, (n) => findAccountByEmail(database.db, scaleEmail(n)), selectAccountByEmail(database.db, scaleEmail(1)));
    const signInLookup = await timeLookups(database.db, size, (n) => selectAccountByLogin(database.db, scaleUsername(n)).executeTakeFirst(), selectAccountByLogin(database.db, scaleUsername(1)));
    results.push({
      accounts: size, sessions: size, refreshTokens: size, seedSeconds, signIn: signIns, refresh, forgotUsername, signInLookup,
      redisBytesPerSession: Math.round((beforeTokens - beforeSessions) / added),
      redisBytesPerRefreshToken: Math.round((afterTokens - beforeTokens) / added),
      tables: await tableSizes(bulk.db),
    });
    process.stdout.write(`  seeded in ${seedSeconds} s\n`);
  }
  const last = results.at(-1)!;
  process.stdout.write(`\n${formatScale(results)}\n\nCapacity (assumptions in bench/scale-report.ts):\n\n${formatCapacity(last)}\n`);
  const file = writeReport(path.join(root, 'bench/results'), { date: new Date().toISOString(), cpus, seconds, results }, 'scale');
  process.stdout.write(`results: ${path.relative(process.cwd(), file)}\n`);
} finally {
  for (const stop of stops) await stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}

