import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { RELOAD_CLIENTS } from './cluster-messages.js';
import { startClusterMetricsServer } from './metrics/server.js';

/**
 * `npm run start:cluster`: one Portico worker per core (WORKERS, default the core count), all
 * on the same port: Node's cluster module hands connections to the workers in turn. Workers
 * share nothing in memory, so this needs PostgreSQL (PGlite is one process per data
 * directory); Redis is advised for protocol state. Each worker is the normal server (main.ts).
 */
if (cluster.isPrimary) {
  const workers = Number(process.env.WORKERS ?? availableParallelism());
  if (!Number.isInteger(workers) || workers < 1) {
    process.stderr.write('portico: environment: WORKERS: must be a positive integer\n');
    process.exit(1);
  }
  if (!process.env.DATABASE_URL) {
    process.stderr.write('portico: environment: DATABASE_URL: required with WORKERS (PGlite is single-process)\n');
    process.exit(1);
  }
  // The workers' series, summed, on METRICS_PORT (workers answer the primary, not the port).
  const metricsPort = process.env.METRICS_PORT ? Number(process.env.METRICS_PORT) : undefined;
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) {
    process.stderr.write('portico: environment: METRICS_PORT: must be a port number\n');
    process.exit(1);
  }
  if (metricsPort !== undefined) await startClusterMetricsServer(metricsPort, process.env.HOST || '0.0.0.0');
  let stopping = false;
  // The first worker migrates and creates the signing keys; the others start once it listens.
  const first = cluster.fork();
  first.once('listening', () => {
    for (let i = 1; i < workers; i++) cluster.fork({ AUTO_MIGRATE: 'false' });
  });
  let listening = 0;
  // Workers that have started: only they are sent SIGHUP, which would end one still loading.
  const started = new Set<number>();
  cluster.on('listening', (worker) => {
    started.add(worker.id);
    // One line for supervisors and the benchmark to wait on; workers log their own details.
    if (++listening === workers) process.stdout.write(`portico: ${workers} workers listening\n`);
  });
  cluster.on('exit', (worker, code) => {
    // A worker that dies outside shutdown takes the whole server down: a supervisor restarts it.
    if (!stopping && code !== 0) process.exitCode = code ?? 1;
    if (!stopping) stop('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGTERM'));
  // SIGHUP re-reads the clients file in every worker (each logs its outcome); a reload through
  // the admin API reached one worker, which tells this process so that the others follow.
  const reload = (except?: number) => {
    for (const worker of Object.values(cluster.workers ?? {})) if (worker && worker.id !== except && started.has(worker.id)) worker.process.kill('SIGHUP');
  };
  process.on('SIGHUP', () => reload());
  cluster.on('message', (worker, message) => {
    if (message === RELOAD_CLIENTS && !stopping) reload(worker.id);
  });
} else {
  await import('./main.js');
}
