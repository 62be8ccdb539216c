import { runCommand } from '../../src/cli/commands.js';
import type { CommandContext } from '../../src/cli/context.js';
import { absoluteImportPath } from '../../src/cli/legacy.js';
import { lineWriter } from '../../src/cli/output.js';
import { passwordFromStdin } from '../../src/cli/password-input.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openDatabase, type DatabaseHandle, type Db } from '../../src/storage/database.js';
import { runPortico, type CliResult } from './cli.js';

/*
 * Operator commands run in this process, through runCommand as the binary and the control
 * channel run them: a spawned `portico` costs two Node processes, tsx and every module, which
 * only the tests about the process itself need (exit status of the binary, stdin, the lock,
 * the control socket, a broken config). Output is written by the CLI's own lineWriter, so a
 * test reads the same text ("portico: " before an error, a newline after each line) as from
 * the binary.
 *
 * The embedded data directory is opened at the first command that needs it and held between
 * commands; PGlite allows one process per directory, so `spawn` lets it go before the binary runs.
 */

export interface InProcessOptions {
  /** What the operator pipes in, for --password-stdin (one trailing newline dropped, as the binary does). */
  input?: string;
  /** Added to the workspace's environment for this command. */
  env?: Record<string, string>;
}

/** A command's output as the terminal would show it, kept as text. */
export function capturedOutput() {
  const text = { out: '', err: '' };
  const io = lineWriter({ out: (chunk) => void (text.out += chunk), err: (chunk) => void (text.err += chunk) });
  return { io, text };
}

export function inProcessCli(env: NodeJS.ProcessEnv) {
  let handle: Promise<DatabaseHandle> | undefined;
  // Set while the handle closes: a command or a spawn waits for the directory to be free.
  let closing: Promise<void> = Promise.resolve();

  /** The data directory's database as commands see it, opened once. */
  async function db(config: Config = loadConfig(env)): Promise<Db> {
    handle ??= closing.then(() => openDatabase({ dataDir: config.dataDir, keysEncryption: config.keysEncryption, holder: 'portico (test process)' }));
    return (await handle).db;
  }

  async function run(args: string[], { input, env: more }: InProcessOptions = {}): Promise<CliResult> {
    const { io, text } = capturedOutput();
    let config: Config | undefined;
    const ctx: CommandContext = {
      ...io,
      ...(input === undefined ? {} : { stdinPassword: passwordFromStdin(input) }),
      // Read when a command first needs it: a broken one is then answered as the binary answers
      // it (one line, exit 1), and help, which must work with a broken one, never reads it.
      get config() {
        return (config ??= loadConfig({ ...env, ...more }));
      },
      db: () => db(ctx.config),
    };
    const code = await runCommand(absoluteImportPath(args), ctx);
    return { code, ...text };
  }

  async function release(): Promise<void> {
    if (handle) {
      const held = handle;
      handle = undefined;
      closing = held.then((h) => h.close());
    }
    await closing;
  }

  return {
    db,
    release,
    /** `portico <args>` run here, with the configuration the environment gives. */
    run,
    /** The real binary in its own process (runPortico), once this process has let go of the data directory. */
    async spawn(args: string[], { input, env: more }: InProcessOptions = {}): Promise<CliResult> {
      await release();
      return runPortico(args, { env: { ...env, ...more }, input });
    },
  };
}
