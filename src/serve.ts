import cluster from 'node:cluster';
import { RELOAD_CLIENTS } from './cluster-messages.js';
import { ConfigError, loadConfig } from './config/index.js';
import { runCommand } from './cli/commands.js';
import { startControlServer } from './cli/control-channel.js';
import { createLogger } from './log.js';
import { SHUTDOWN_TIMEOUT_MS, startServer } from './server.js';
import { stopTracing } from './tracing.js';

/** `npm start`: config -> stores -> app -> listen; SIGTERM drains and exits. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`portico: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  // SIGHUP re-reads the clients file; a bad one is logged in one line and the old clients stay.
  // Handled from the start: Node's default would end a process still starting (it reads the
  // file as it is then anyway).
  process.on('SIGHUP', () => {
    server?.reloadClients().catch((error: unknown) => log.error({ err: error }, 'clients file reload failed'));
  });
  try {
    // Under the cluster, a reload through the API reaches one worker: the primary has the others reload (cluster.ts).
    server = await startServer(config, log, { onApiReload: cluster.isWorker ? () => process.send?.(RELOAD_CLIENTS) : undefined });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`portico: ${error.message}\n`);
      process.exit(1);
    }
    log.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }
  // PGlite allows one process per data directory: operator commands run inside this one.
  let control: { close(): Promise<void> } | undefined;
  if (!config.databaseUrl && !config.dataDir.startsWith('memory://')) {
    const running = server;
    try {
      control = await startControlServer({
        dataDir: config.dataDir,
        runCommand: (argv, io) => runCommand(argv, { ...io, config, db: async () => running.database.db, onKeysChanged: () => running.host.refresh(), portals: running.portals }),
      });
    } catch (error) {
      log.warn({ err: error }, 'operator control socket not started; portico commands will refuse while this server runs');
    }
  }
  log.info({ issuer: config.issuer, port: config.port, database: server.database.kind, redis: Boolean(server.redis) }, 'Portico is listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS);
    force.unref();
    Promise.resolve(control?.close())
      .then(() => server.close())
      // Spans still buffered go out before the process ends.
      .then(() => stopTracing())
      .then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
