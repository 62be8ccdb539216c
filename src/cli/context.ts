import type { Config } from '../config/index.js';
import type { Operator } from '../identity/audit.js';
import type { PortalSessions } from '../identity/portal-sessions.js';
import type { Db } from '../storage/database.js';

/** Where a command writes, and what the operator typed that is not in argv. */
export interface CommandIo {
  out(line: string): void;
  /** One line per error; the terminal prefixes it with "portico:". */
  err(line: string): void;
  /** The password read by the CLI process (stdin or terminal) before the command ran. */
  stdinPassword?: string;
  /** Who runs the command, for the audit log; the CLI process's OS user unless given. */
  operator?: string | Operator;
}

/**
 * What a command needs. The CLI builds it in its own process; the running server builds it
 * for commands that reach it over the control channel (control-channel.ts).
 */
export interface CommandContext extends CommandIo {
  config: Config;
  /** Opened on first use, so commands that need no database never lock the data directory. */
  db(): Promise<Db>;
  /** Called after the signing keys changed, so a server in this process reloads them now. */
  onKeysChanged?(): unknown;
  /** Set inside a server: its protocol store, so ending an ID's sessions tells the portals. */
  portals?: PortalSessions;
}

/** A command: its arguments after the command name(s); resolves to the exit code. */
export type Command = (args: string[], ctx: CommandContext) => Promise<number>;
