import { ConfigError, loadConfig, type Config } from './config/index.js';
import { instanceBrand } from './config/branding.js';
import { setInstanceBrand } from './notify/brand-context.js';
import { UsageError } from './cli/args.js';
import { planCommand, runCommand, type CommandPlan } from './cli/commands.js';
import { absoluteImportPath } from './cli/legacy.js';
import { sendToControlServer } from './cli/control-channel.js';
import { firstLine, terminal } from './cli/output.js';
import { readPassword } from './cli/password-input.js';
import { openDatabase, type DatabaseHandle } from './storage/database.js';

/**
 * `portico <command>`. Commands that need the database run here, or, on the embedded default
 * while a server holds the data directory, inside that server over its control socket
 * (cli/control-channel.ts): never two processes on one PGlite directory.
 */

/** The embedded database in a directory: the only case where a server can hold it exclusively. */
function embeddedDataDir(config: Config): boolean {
  return !config.databaseUrl && !config.dataDir.startsWith('memory://');
}

async function runHere(argv: string[], config: Config, stdinPassword: string | undefined): Promise<number> {
  let handle: DatabaseHandle | undefined;
  // Mails a command queues (a help-desk reset tells the owner) carry the instance's name.
  setInstanceBrand(instanceBrand(config.policy.branding, config.issuer));
  try {
    return await runCommand(argv, {
      ...terminal,
      config,
      stdinPassword,
      db: async () => {
        handle ??= await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, template: config.pgliteTemplate, holder: `portico ${argv[0]}`, keysEncryption: config.keysEncryption });
        return handle.db;
      },
    });
  } finally {
    await handle?.close();
  }
}

async function run(argv: string[], plan: CommandPlan, config: Config): Promise<number> {
  const stdinPassword = plan.password ? await readPassword() : undefined;
  if (plan.database && embeddedDataDir(config)) {
    const served = await sendToControlServer(config.dataDir, argv, stdinPassword);
    if (served !== undefined) return served;
    // No server answers: open the directory here. If a process still holds it (a server
    // without a control socket, or another command), openDatabase refuses in one line.
  }
  return runHere(argv, config, stdinPassword);
}

async function main(argv: string[]): Promise<number> {
  try {
    const plan = planCommand(argv);
    // Help needs no configuration: it answers even where the config is broken.
    if (plan.help !== undefined) {
      terminal.out(plan.help);
      return 0;
    }
    return await run(absoluteImportPath(argv), plan, loadConfig());
  } catch (error) {
    terminal.err(error instanceof ConfigError || error instanceof UsageError ? error.message : firstLine(String((error as Error)?.message ?? error)));
    return error instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
