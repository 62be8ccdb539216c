import type { Config } from '../config/index.js';
import type { Db } from '../storage/database.js';

/** What a command needs; the CLI entry builds it. Commands write only through out/err. */
export interface CommandContext {
  config: Config;
  /** Opened on first use, so commands that need no database never lock the data directory. */
  db(): Promise<Db>;
  out(line: string): void;
  err(line: string): void;
  readPassword(): Promise<string | undefined>;
}

export type Command = (args: string[], ctx: CommandContext) => Promise<number>;

/** A usage mistake: exit code 2 with one line. */
export class UsageError extends Error {}
