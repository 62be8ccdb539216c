import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { waitUntil } from './wait.js';

/*
 * Real Redis and PostgreSQL servers for tests: each on a free loopback port, in its own temp
 * directory, removed on stop. Nothing listens beyond 127.0.0.1.
 */

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

/**
 * A server that can go away and come back, as in an outage: `halt` stops the process but keeps
 * its port and files; `resume` starts it again on the same port (and, for PostgreSQL, the same
 * data directory, so its databases survive; Redis runs without persistence and comes back empty).
 */
export interface RestartableService extends RunningService {
  halt(): Promise<void>;
  resume(): Promise<void>;
}

/** Redis can also hang: `freeze` stops the process (SIGSTOP) with its connections open, `thaw` resumes it. */
export interface RedisService extends RestartableService {
  freeze(): void;
  thaw(): void;
}

/**
 * PostgreSQL can hang too: `freeze` stops the postmaster and every backend it forked (SIGSTOP),
 * connections left open, as a frozen host would; `thaw` resumes them all.
 */
export type PostgresService = RedisService;

const LOOPBACK = '127.0.0.1';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** A port that was free a moment ago; callers retry if someone takes it before they bind. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read a free port'))));
    });
  });
}

// Unref'd, so a pending stop deadline never keeps a finished test process alive.
const deadline = (ms: number) => new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());

/** A spawned server: its output is kept for error messages, and it dies with the test process. */
class Child {
  private output = '';
  private exited = false;
  private readonly exitPromise: Promise<void>;
  private spawnError: Error | undefined;

  constructor(
    readonly label: string,
    readonly proc: ChildProcess,
    /** The server's own pid when a wrapper (runuser) sits between us and it. */
    private readonly serverPid: () => number | undefined = () => proc.pid,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.once('error', (error) => {
      this.spawnError = error;
    });
    this.exitPromise = new Promise((resolve) => proc.once('close', () => resolve()));
    void this.exitPromise.then(() => {
      this.exited = true;
      live.delete(this);
    });
    live.add(this);
  }

  /** Throws (with the server's own output) if it died or never started. */
  assertAlive(): void {
    if (this.spawnError) throw new Error(`${this.label}: could not start: ${this.spawnError.message}`);
    if (this.exited) throw new Error(`${this.label} exited during start-up:\n${this.output}`);
  }

  get log(): string {
    return this.output;
  }

  /** Every pid to kill when stopping hard. */
  pids(): number[] {
    return [this.serverPid(), this.proc.pid].filter((pid): pid is number => pid !== undefined);
  }

  /** Sends a signal to the server process without waiting (SIGSTOP/SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    const pid = this.serverPid() ?? this.proc.pid;
    if (!this.exited && pid) signalQuietly(pid, signal);
  }

  /** Signals the server and every process it started, parents first (a stopped parent forks no more). */
  signalTree(signal: NodeJS.Signals): void {
    const pid = this.serverPid() ?? this.proc.pid;
    if (this.exited || !pid) return;
    for (const each of [pid, ...descendants(pid)]) signalQuietly(each, signal);
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    const pid = this.serverPid() ?? this.proc.pid;
    if (this.exited || !pid) return;
    signalQuietly(pid, signal);
    const stopped = await Promise.race([this.exitPromise.then(() => true), deadline(STOP_TIMEOUT_MS)]);
    if (stopped) return;
    for (const each of this.pids()) signalQuietly(each, 'SIGKILL');
    await this.exitPromise;
  }
}

/** Every process below `pid`, from /proc (Linux), nearest first. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat, after the parenthesised command name (proc(5)).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  for (let i = -1; i < found.length; i++) {
    const parent = i < 0 ? pid : found[i]!;
    for (const [child, ppid] of parentOf) if (ppid === parent) found.push(child);
  }
  return found;
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

const live = new Set<Child>();
const tempDirs = new Set<string>();
// A test run that ends without calling stop() must not leave servers or their files behind.
process.once('exit', () => {
  for (const child of live) for (const pid of child.pids()) signalQuietly(pid, 'SIGKILL');
  for (const dir of tempDirs) removeTempDir(dir);
});

function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

function removeTempDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  } catch {
    // A server killed a moment ago may still hold a file; the exit handler tries again.
  }
}

/** A server just spawned, once ready; stopped (with `stopSignal`) if it dies or never gets there. */
async function readyOrStopped(child: Child, ready: () => Promise<boolean>, what: string, stopSignal: NodeJS.Signals): Promise<Child> {
  try {
    await waitUntil(`${child.label} to ${what}`, () => {
      child.assertAlive();
      return ready().catch(() => false);
    }, { timeoutMs: START_TIMEOUT_MS });
    return child;
  } catch (error) {
    await child.stop(stopSignal);
    // A server that died says so with its output already; one that timed out gets it added.
    const { message } = error as Error;
    throw message.includes(child.log) ? error : new Error(`${message}:\n${child.log}`);
  }
}

/** Spawns, trying new ports when the chosen one was taken between freePort() and bind. */
async function startOnFreePort<T>(attempt: (port: number) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let tries = 0; tries < 3; tries += 1) {
    try {
      return await attempt(await freePort());
    } catch (error) {
      lastError = error;
      if (!/address already in use|Address in use/i.test(String(error))) throw error;
    }
  }
  throw lastError;
}

function findExecutable(name: string, dirs: string[]): string | undefined {
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter);
  return [...dirs, ...pathDirs].map((dir) => path.join(dir, name)).find((file) => existsSync(file));
}

// ---------------------------------------------------------------------------------- Redis

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: LOOPBACK, port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) socket.end();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(reply.startsWith('+PONG')));
  });
}

function redisBinary(): string {
  const binary = process.env.REDIS_SERVER ?? findExecutable('redis-server', ['/usr/bin', '/usr/local/bin']);
  if (!binary) throw new Error('redis-server not found: install Redis, set REDIS_SERVER, or set REDIS_URL');
  return binary;
}

/** One member of a group of Redis processes (a cluster node, a replica, a Sentinel). */
export interface RedisProcess {
  port: number;
  stop(): Promise<void>;
}

/**
 * redis-server with `args` (a config file and --sentinel, or options) on `port`, in a temp
 * directory of its own that `args` may name through `{dir}`; ready once it answers PING.
 */
export async function spawnRedis(port: number, args: (dir: string) => string[], label = `redis-server on port ${port}`): Promise<RedisProcess> {
  const binary = redisBinary();
  const dir = makeTempDir('portico-redis-');
  try {
    const child = await readyOrStopped(new Child(label, spawn(binary, args(dir), { stdio: ['ignore', 'pipe', 'pipe'] })), () => redisPing(port), 'answer PING', 'SIGTERM');
    return {
      port,
      stop: async () => {
        await child.stop('SIGTERM');
        removeTempDir(dir);
      },
    };
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
}

/** Starts redis-server (REDIS_SERVER or redis-server on PATH) without persistence. */
export async function startRedis(): Promise<RedisService> {
  const binary = redisBinary();
  return startOnFreePort(async (port) => {
    const dir = makeTempDir('portico-redis-');
    const args = ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--dir', dir];
    const launch = () =>
      readyOrStopped(new Child(`redis-server on port ${port}`, spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })), () => redisPing(port), 'answer PING', 'SIGTERM');
    let child: Child;
    try {
      child = await launch();
    } catch (error) {
      removeTempDir(dir);
      throw error;
    }
    const service = restartable(`redis://${LOOPBACK}:${port}`, dir, child, launch, 'SIGTERM');
    return { ...service, freeze: () => service.current().signal('SIGSTOP'), thaw: () => service.current().signal('SIGCONT') };
  });
}

// ----------------------------------------------------------------------------- PostgreSQL

function postgresBinDir(): string {
  const fromEnv = process.env.POSTGRES_BIN_DIR;
  if (fromEnv) return fromEnv;
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    const found = findExecutable('initdb', []);
    if (found) return path.dirname(found);
    throw new Error('PostgreSQL binaries not found: install PostgreSQL, set POSTGRES_BIN_DIR, or set DATABASE_URL');
  }
}

/** PostgreSQL refuses to run as root, so as root it runs as the `postgres` user. */
function asPostgresUser(binary: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

function ownDirForPostgres(dir: string): void {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  chownSync(dir, uid, gid);
}

function initdb(bin: string, dataDir: string): void {
  const [command, args] = asPostgresUser(path.join(bin, 'initdb'), [
    '-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync',
  ]);
  try {
    execFileSync(command, args, { stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`initdb failed: ${stderr || message}`);
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}

/** The postmaster's own pid: with runuser in between, the child's pid is runuser's. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** initdb + postgres in a temp dir, trust auth on loopback; returns a URL to database `portico`. */
export async function startPostgres(): Promise<PostgresService> {
  const bin = postgresBinDir();
  if (!existsSync(path.join(bin, 'postgres'))) {
    throw new Error(`PostgreSQL server binary not found in ${bin}: set POSTGRES_BIN_DIR or DATABASE_URL`);
  }
  const dir = makeTempDir('portico-pg-');
  ownDirForPostgres(dir);
  const dataDir = path.join(dir, 'data');
  try {
    initdb(bin, dataDir);
    return await startOnFreePort((port) => runPostgres(bin, dir, dataDir, port));
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
}

async function runPostgres(bin: string, dir: string, dataDir: string, port: number): Promise<PostgresService> {
  // Durability is pointless for a throwaway test cluster; turning it off makes tests faster.
  const [command, args] = asPostgresUser(path.join(bin, 'postgres'), [
    '-D', dataDir, '-k', dir, '-h', LOOPBACK, '-p', String(port),
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
  ]);
  const adminUrl = `postgres://postgres@${LOOPBACK}:${port}/postgres`;
  // SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to disconnect.
  const launch = () => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return readyOrStopped(new Child(`postgres on port ${port}`, proc, () => postmasterPid(dataDir) ?? proc.pid), () => canConnect(adminUrl), 'accept connections', 'SIGINT');
  };
  const child = await launch();
  try {
    await createDatabase(adminUrl, 'portico');
  } catch (error) {
    await child.stop('SIGINT');
    throw error;
  }
  const service = restartable(`postgres://postgres@${LOOPBACK}:${port}/portico`, dir, child, launch, 'SIGINT');
  return { ...service, freeze: () => service.current().signalTree('SIGSTOP'), thaw: () => service.current().signalTree('SIGCONT') };
}

/** The halt / resume / stop of a server started by `launch`, whichever process is current. */
function restartable(url: string, dir: string, first: Child, launch: () => Promise<Child>, stopSignal: NodeJS.Signals): RestartableService & { current(): Child } {
  let child = first;
  return {
    url,
    current: () => child,
    stop: async () => {
      await child.stop(stopSignal);
      removeTempDir(dir);
    },
    halt: () => child.stop(stopSignal),
    resume: async () => {
      child = await launch();
    },
  };
}
