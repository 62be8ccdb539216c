import { ConfigError } from '../src/config/index.js';
import { startDemo } from './start.js';

/*
 * `npm run demo`: Portico on its embedded defaults (as `npm start`) and the sample portal of
 * the shipped clients file, so a newcomer sees a whole sign-in without writing a relying party.
 * Logs are quiet (warnings only) unless LOG_LEVEL says otherwise, so the URL stays readable.
 */

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  const demo = await startDemo();
  const { config, server } = demo;
  process.stdout.write(
    [
      '',
      `  Portico is running at ${config.issuer} (${server.database.kind === 'postgres' ? 'PostgreSQL' : `embedded database in ${config.dataDir}`}).`,
      '',
      `  Open the sample portal:  ${demo.portalUrl}`,
      '',
      ...(demo.outboxUrl ? [`  Activation codes and other mail go to the dev outbox: ${demo.outboxUrl}`] : []),
      '  Press Ctrl+C to stop.',
      '',
    ].join('\n') + '\n',
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    demo.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
