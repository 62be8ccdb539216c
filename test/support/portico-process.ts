import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { freePort, startPostgres } from './servers.js';
import { waitUntil } from './wait.js';

/*
 * `npm start`'s entry point (src/main.ts) as its own OS process, for what an in-process server
 * (startPortico) cannot show: a kill -9, or a second process sharing the stores.
 */

// Each start is a fresh Node loading TypeScript through tsx: several seconds of CPU, and far
// longer on a busy two-core machine. A test that restarts Portico eight times (kill-mid-write)
// took 42 s on a quiet one, too near the default minute: every test file that imports this
// gets three minutes per test, as the CLI's do (cli.ts).
vi.setConfig({ testTimeout: 180_000 });

export interface PorticoProcess {
  url: string;
  /** Sends `signal` (SIGKILL, as an OOM kill does, unless told) and resolves with the exit code once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Sends a signal it is to live through (SIGHUP). */
  signal(signal: NodeJS.Signals): void;
  /** What it wrote to stdout so far: its log, one JSON object a line (with LOG_LEVEL set in `env`). */
  output(): string;
}

/** Starts it on 127.0.0.1 (`port`, or a free one) with `env` on top of a test environment; resolves once /readyz answers 200. */
export async function startPorticoProcess(env: Record<string, string | undefined>, port?: number): Promise<PorticoProcess> {
  const listen = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(listen), LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const url = `http://127.0.0.1:${listen}`;
  try {
    await waitUntil(`Portico to become ready on ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`Portico exited during start-up: ${stderr}`);
      return fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    }, { timeoutMs: 60_000 });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return { url, stop, signal: (signal) => void child.kill(signal), output: () => stdout };
}

/** A Portico process on its own PostgreSQL that a test kills and starts again, always on the same port and database. */
export interface KillablePortico {
  /** The PostgreSQL the processes share, as the test reads it. */
  pgUrl: string;
  database: DatabaseHandle;
  /** Starts a new process with the files and environment given at set-up. */
  start(): Promise<PorticoProcess>;
  /** Kills whatever process is still running, then closes the database and removes the files. */
  close(running?: PorticoProcess): Promise<void>;
}

/** Writes `clients` and `policy` to files in a fresh directory, starts a PostgreSQL, and opens it. */
export async function killablePortico(files: { clients: unknown[]; policy: unknown }, env: Record<string, string> = {}): Promise<KillablePortico> {
  const pgServer = await startPostgres();
  const work = mkdtempSync(path.join(tmpdir(), 'portico-kill-'));
  writeFileSync(path.join(work, 'clients.json'), JSON.stringify({ clients: files.clients }));
  writeFileSync(path.join(work, 'policy.json'), JSON.stringify(files.policy));
  const port = await freePort();
  const database = await openDatabase({ databaseUrl: pgServer.url, dataDir: 'memory://' });
  return {
    pgUrl: pgServer.url,
    database,
    start: () => startPorticoProcess({
      ISSUER: `http://127.0.0.1:${port}`,
      DATABASE_URL: pgServer.url,
      CLIENTS_FILE: path.join(work, 'clients.json'),
      POLICY_FILE: path.join(work, 'policy.json'),
      ...env,
    }, port),
    close: async (running) => {
      await running?.stop('SIGKILL');
      await database.close();
      await pgServer.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
