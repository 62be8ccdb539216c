import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort, startPostgres, startRedis, type RunningService } from '../test/support/servers.js';
import type { writeConfigFiles } from './config-files.js';
import { ServerProcess } from './processes.js';

export interface BenchPortico {
  server: ServerProcess;
  url: string;
  /** The cookie key, so a scenario can sign a seeded session's cookie as Portico would. */
  cookieSecret: string;
  keysEncryptionKey: string;
}

/**
 * Portico as a deployment runs it (the cluster entry, production mode, PostgreSQL and Redis),
 * `workers` processes pinned to `cpus` (taskset list, or everywhere when undefined).
 */
export async function startBenchPortico(options: {
  root: string;
  files: ReturnType<typeof writeConfigFiles>;
  databaseUrl: string;
  redisUrl: string;
  workers: number;
  cpus?: string;
  /** A second Portico on the same database must unseal what the first sealed. */
  keysEncryptionKey?: string;
}): Promise<BenchPortico> {
  const cookieSecret = randomBytes(32).toString('base64url');
  const keysEncryptionKey = options.keysEncryptionKey ?? randomBytes(32).toString('base64');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { files } = options;
  const server = await ServerProcess.start('Portico', path.join(options.root, 'src/cluster.ts'), [], {
    ...process.env,
    ...files.secretEnv,
    // Production: templates are compiled once and cached (the eta renderer re-reads them otherwise).
    NODE_ENV: 'production',
    COOKIE_SECRETS: cookieSecret,
    KEYS_ENCRYPTION_KEY: keysEncryptionKey,
    ISSUER: url, HOST: '127.0.0.1', PORT: String(port),
    DATABASE_URL: options.databaseUrl, REDIS_URL: options.redisUrl, CLIENTS_FILE: files.clientsFile, POLICY_FILE: files.policyFile,
    // A log line per request is not what is measured here; warnings and errors still show.
    LOG_LEVEL: 'warn', WORKERS: String(options.workers),
    // BENCH_CPU_PROF=<dir>: each worker writes a V8 CPU profile there when it stops.
    ...(process.env.BENCH_CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}` } : {}),
  }, /workers listening/, options.cpus);
  return { server, url, cookieSecret, keysEncryptionKey };
}

/**
 * PostgreSQL and Redis for a bench run: DATABASE_URL / REDIS_URL when set (scratch servers of
 * your own), else throwaway ones started here, whose stops are put first on `stops`.
 */
export async function benchStores(stops: Array<() => Promise<void>>): Promise<{ databaseUrl: string; redisUrl: string }> {
  const service = async (envName: string, start: () => Promise<RunningService>) => {
    if (process.env[envName]) return process.env[envName]!;
    const started = await start();
    stops.unshift(started.stop);
    return started.url;
  };
  return { databaseUrl: await service('DATABASE_URL', startPostgres), redisUrl: await service('REDIS_URL', startRedis) };
}
