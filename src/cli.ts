import { ConfigError, loadConfig, type Config } from './config/index.js';
import { runCommand } from './cli/commands.js';
import type { CommandContext } from './cli/context.js';
import { passwordReader } from './cli/password-input.js';
import { openDatabase, type DatabaseHandle } from './storage/database.js';

/**
 * `portico <command>`. On the embedded default the data directory can be open in one process
 * only: while the server runs, commands that need the database stop with one line saying so
 * (storage/data-dir-lock.ts); use PostgreSQL (DATABASE_URL) to run them alongside it.
 */
async function main(argv: string[]): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`portico: ${message}\n`);
    return 1;
  };
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  let handle: DatabaseHandle | undefined;
  const ctx: CommandContext = {
    config,
    db: async () => {
      handle ??= await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, holder: `portico ${argv[0]}` });
      return handle.db;
    },
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`portico: ${line}\n`),
    readPassword: passwordReader(argv),
  };
  try {
    return await runCommand(argv, ctx);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    return fail(`${(error as Error).message.split('\n')[0]}`);
  } finally {
    await handle?.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
