import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';

/*
 * The CLI as an operator runs it: `node bin/portico.js …` in its own process, with the
 * environment given (nothing inherited unless the caller passes process.env in). Spawned
 * asynchronously, so that a server or fake this process runs can answer it meanwhile.
 */

// A test that starts the CLI or the server several times, each a fresh Node loading TypeScript
// through tsx, can need more than the default minute on a busy two-core machine: every test
// file that imports this gets three minutes per test.
vi.setConfig({ testTimeout: 180_000 });

export interface CliResult {
  /** The exit status; null when the process was killed at the timeout. */
  code: number | null;
  out: string;
  err: string;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  /** Written to stdin (a password for --password-stdin); stdin is closed either way. */
  input?: string;
  timeoutMs?: number;
}

/** Runs node with `args` (a script and its arguments) to the end, or kills it at the timeout. */
export function runNode(args: string[], { env, input, timeoutMs = 90_000 }: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL' });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('error', reject).once('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input ?? '');
  });
}

/** Runs `portico <args>`. */
export function runPortico(args: string[], options: RunOptions): Promise<CliResult> {
  return runNode(['bin/portico.js', ...args], options);
}

/**
 * The environment of a CLI run on the embedded database in `dir` (DATA_DIR `dir`/data, no
 * policy file): empty DATABASE_URL and REDIS_URL mean unset, so this holds when CI sets them.
 */
export function embeddedEnv(dir: string, more: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DATA_DIR: path.join(dir, 'data'), POLICY_FILE: path.join(dir, 'none.json'), DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'silent', ...more };
}

/** A confidential first-party client, for the commands that read the clients file. */
export const DEMO_CLIENT = { client_id: 'demo', client_name: 'Demo', client_secret: '0123456789abcdef0123', redirect_uris: ['http://127.0.0.1:9999/cb'], first_party: true };

/**
 * A temporary directory for CLI runs on the embedded database: `dir`/data as DATA_DIR, a
 * clients file holding `clients`, and the environment naming both (embeddedEnv). The caller
 * removes `dir` when done.
 */
export function cliWorkspace(prefix: string, clients: object[] = [DEMO_CLIENT]) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const clientsFile = path.join(dir, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify({ clients }));
  return { dir, dataDir: path.join(dir, 'data'), clientsFile, env: embeddedEnv(dir, { CLIENTS_FILE: clientsFile }) };
}
