import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/servers.js';
import { writeConfigFiles } from './config-files.js';
import { cpuSnapshot, type CpuSnapshot } from './cpu.js';
import { Http } from './http.js';
import { benchStores, startBenchPortico } from './portico-server.js';
import { ServerProcess } from './processes.js';
import type { Operation, Scenario } from './scenarios/types.js';
import { signIn } from './scenarios/sign-in.js';
import { seedAccounts } from './seed.js';

/*
 * `npx tsx bench/protocol-cpu.ts`: server CPU time per request on the protocol endpoints,
 * Portico (one worker, production mode, PostgreSQL and Redis, as `npm run bench` starts it)
 * against bare oidc-provider (bench/baseline.ts), each in its own process. CPU is read from
 * /proc for the server's processes only, so the client (this process) is not counted, and it
 * changes far less with other load on the machine than throughput does. Each round measures
 * every endpoint on both sides in turns; the table keeps each side's lowest figure. The ratio
 * is baseline CPU over Portico's: the throughput ratio the two would have on equal cores.
 * PROTOCOL_CPU_REQUESTS (3000), PROTOCOL_CPU_WARMUP (500), PROTOCOL_CPU_ROUNDS (3),
 * PROTOCOL_CPU_CONNECTIONS (8), PROTOCOL_CPU_ONLY (comma-separated endpoints); BENCH_CPU_PROF=<dir> profiles Portico's worker.
 * PROTOCOL_CPU_BEFORE=<git revision> adds that revision's Portico as a third contender, taking
 * turns with the others: a change is compared under the same load, not in another run.
 */
const root = path.resolve(import.meta.dirname, '..');
const requests = Number(process.env.PROTOCOL_CPU_REQUESTS ?? 3000);
const warmup = Number(process.env.PROTOCOL_CPU_WARMUP ?? 500);
const rounds = Number(process.env.PROTOCOL_CPU_ROUNDS ?? 3);
const connections = Number(process.env.PROTOCOL_CPU_CONNECTIONS ?? 8);

/** Runs `op` `count` times over `connections` virtual users; throws on the first failure. */
async function repeat(op: Operation, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, vu) => {
      while (next++ < count) await op(vu);
    }),
  );
}

/** The scenario bench/scenarios/<name>.ts with `params`, on a keep-alive client. */
async function operation(http: Http, scenario: string, params: Record<string, unknown> = {}): Promise<Operation> {
  const make = ((await import(`./scenarios/${scenario}.js`)) as { default: Scenario }).default;
  return make({ http, params });
}

/** discovery+JWKS is split in two so each endpoint has its own figure. */
function get(http: Http, pathname: string): Operation {
  return async () => {
    const reply = await http.request('GET', pathname);
    if (reply.status !== 200) throw new Error(`${pathname}: HTTP ${reply.status}`);
  };
}

interface Side {
  label: string;
  pids: () => number[];
  /** The operation for an endpoint, with fresh tokens where it needs some. */
  op: (endpoint: string) => Promise<Operation>;
}

const endpoints = ['discovery', 'jwks', 'client_credentials', 'introspection', 'userinfo'].filter((e) => !process.env.PROTOCOL_CPU_ONLY || process.env.PROTOCOL_CPU_ONLY.split(',').includes(e));

function side(label: string, url: string, pids: () => number[], logins: string[]): Side {
  const http = new Http(url, connections);
  // Signed in just before each use: the baseline's in-memory adapter is an LRU of 1000 entries,
  // which the client_credentials tokens flush.
  const accessTokens = async () => {
    const tokens: string[] = [];
    while (tokens.length < connections) tokens.push((await signIn(http, logins[tokens.length % logins.length]!)).access_token);
    return { accessTokens: tokens };
  };
  const op = async (endpoint: string): Promise<Operation> => {
    if (endpoint === 'discovery') return get(http, '/.well-known/openid-configuration');
    if (endpoint === 'jwks') {
      const discovery = JSON.parse((await http.request('GET', '/.well-known/openid-configuration')).body) as { jwks_uri: string };
      return get(http, new URL(discovery.jwks_uri).pathname);
    }
    if (endpoint === 'client_credentials') return operation(http, 'client-credentials');
    return operation(http, endpoint, await accessTokens());
  };
  return { label, pids, op };
}

/** Server CPU ms per request: all threads, and the JavaScript thread alone. */
async function measure(side: Side, endpoint: string): Promise<{ total: number; javascript: number }> {
  const op = await side.op(endpoint);
  await repeat(op, warmup);
  const pids = side.pids();
  const before: CpuSnapshot = cpuSnapshot(pids);
  await repeat(op, requests);
  const after = cpuSnapshot(pids);
  const sum = (s: CpuSnapshot) => Object.values(s.server).reduce((a, b) => a + b, 0);
  return { total: (sum(after) - sum(before)) / requests, javascript: (after.server.javascript - before.server.javascript) / requests };
}

/** Revision `rev` of this repository in `dir`, over this checkout's node_modules. */
function checkout(rev: string, dir: string): string {
  mkdirSync(dir);
  execSync(`git archive ${JSON.stringify(rev)} | tar -x -C ${JSON.stringify(dir)}`, { cwd: root });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

const stops: Array<() => Promise<void>> = [];
const work = mkdtempSync(path.join(tmpdir(), 'portico-protocol-cpu-'));
try {
  const { databaseUrl, redisUrl } = await benchStores(stops);
  const files = writeConfigFiles(work);
  const { logins } = await seedAccounts(databaseUrl, files.policy, connections);
  const portico = await startBenchPortico({ root, files, databaseUrl, redisUrl, workers: 1 });
  stops.unshift(() => portico.server.stop());
  const baselinePort = await freePort();
  const baseline = await ServerProcess.start('baseline', path.join(root, 'bench/baseline.ts'), [String(baselinePort)], process.env, /listening/);
  stops.unshift(() => baseline.stop());
  const sides = [
    side('Portico', portico.url, () => portico.server.pids(), logins),
    side('baseline', `http://127.0.0.1:${baselinePort}`, () => baseline.pids(), logins),
  ];
  const before = process.env.PROTOCOL_CPU_BEFORE;
  if (before) {
    const earlier = await startBenchPortico({ root: checkout(before, path.join(work, 'before')), files, databaseUrl, redisUrl, workers: 1, keysEncryptionKey: portico.keysEncryptionKey });
    stops.unshift(() => earlier.server.stop());
    sides.splice(1, 0, side('before', earlier.url, () => earlier.server.pids(), logins));
  }
  const best = new Map<string, { total: number; javascript: number }>();
  // Each round's CPU per side: the ratios of one round's turns, taken minutes apart at most, vary less than lowest figures.
  const perRound = new Map<string, number[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const endpoint of endpoints) {
      for (const contender of sides) {
        const cpu = await measure(contender, endpoint);
        const key = `${contender.label} ${endpoint}`;
        const kept = best.get(key);
        perRound.set(key, [...(perRound.get(key) ?? []), cpu.total]);
        best.set(key, { total: Math.min(cpu.total, kept?.total ?? Infinity), javascript: Math.min(cpu.javascript, kept?.javascript ?? Infinity) });
        process.stdout.write(`  round ${round} ${key}: ${cpu.total.toFixed(3)} ms/op (JavaScript thread ${cpu.javascript.toFixed(3)})\n`);
      }
    }
  }
  const f = (n: number) => n.toFixed(3).padStart(9);
  const r = (n: number) => n.toFixed(2).padStart(7);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const others = sides.filter((s) => s.label !== 'baseline');
  process.stdout.write(`\nserver CPU ms per request, all threads, lowest of ${rounds} rounds of ${requests} (after ${warmup} warm-up), ${connections} connections; Portico on PostgreSQL + Redis, one worker\n`);
  process.stdout.write(`ratio = baseline / Portico from the lowest figures; median = the median of each round's own ratio\n`);
  process.stdout.write(`${'endpoint'.padEnd(20)}${sides.map((s) => s.label.padStart(9)).join('')}${others.map((s) => `${`ratio ${s.label}`.padStart(16)}${'median'.padStart(8)}`).join('')}\n`);
  for (const endpoint of endpoints) {
    const cpu = (label: string) => best.get(`${label} ${endpoint}`)!.total;
    const rounds = (label: string) => perRound.get(`${label} ${endpoint}`)!;
    const medianRatio = (label: string) => median(rounds('baseline').map((b, i) => b / rounds(label)[i]!));
    process.stdout.write(`${endpoint.padEnd(20)}${sides.map((s) => f(cpu(s.label))).join('')}${others.map((s) => `${r(cpu('baseline') / cpu(s.label)).padStart(16)}${r(medianRatio(s.label)).padStart(8)}`).join('')}\n`);
  }
} finally {
  for (const stop of stops) await stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
