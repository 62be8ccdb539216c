import { chmodSync, lstatSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { CommandIo } from './context.js';
import { firstLine, terminal } from './output.js';

/**
 * The local control channel. PGlite lets one process open a data directory,
 * so while the server runs on it, operator commands are handed to the server and run there.
 *
 * Protocol, one connection per command, newline-delimited JSON:
 *   client -> server: {"argv": [...], "stdin"?: "password", "operator"?: "alice"}
 *   server -> client: {"stream": "out" | "err", "line": "..."} ... then {"exit": N}
 * The socket is mode 0600 in the data directory: only the server's own user (and root) can
 * connect, the same people who could open the data directory themselves.
 *
 * The "operator" a client sends is its own say-so: Node offers no SO_PEERCRED to learn the
 * peer's uid, so all the server can vouch for is that the peer runs as its own user (or root).
 * Audit events name that user and record the sent name as `operator_claimed` (ASVS 4.0.3 V7.1.4:
 * each event carries what an investigation needs, and a claim is not an identity).
 */

export interface ControlRequest {
  argv: string[];
  stdin?: string;
  operator?: string;
}

export type ControlReply = { stream: 'out' | 'err'; line: string } | { exit: number };

/** Runs one command inside the server; see runCommand in commands.ts. */
export type ControlRunner = (argv: string[], io: CommandIo) => Promise<number>;

const MAX_REQUEST_CHARS = 64 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
/** sun_path is 108 bytes on Linux, 104 on macOS and the BSDs, including the final NUL. */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

export function controlSocketPath(dataDir: string): string {
  return path.join(dataDir, 'portico.sock');
}

class BadRequest extends Error {}

function readRequestLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const done = (error?: Error, line?: string) => {
      socket.off('data', onData).off('end', onEnd);
      if (error) reject(error);
      else resolve(line!);
    };
    const onData = (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (end >= 0) done(undefined, buffer.slice(0, end));
      else if (buffer.length > MAX_REQUEST_CHARS) done(new BadRequest('control request too large'));
    };
    const onEnd = () => done(new BadRequest('control request ended before its end of line'));
    socket.setEncoding('utf8');
    socket.on('data', onData).on('end', onEnd);
  });
}

function parseRequest(line: string): ControlRequest {
  let request: Partial<ControlRequest>;
  try {
    request = JSON.parse(line);
  } catch {
    throw new BadRequest('control request is not JSON');
  }
  const { argv, stdin, operator } = request ?? {};
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) throw new BadRequest('control request needs argv: string[]');
  if (stdin !== undefined && typeof stdin !== 'string') throw new BadRequest('control request stdin must be a string');
  // A claim, recorded as such; keep it to what an OS user name can be.
  const name = typeof operator === 'string' && /^[\w.@-]{1,64}$/.test(operator) ? operator : undefined;
  return { argv, ...(stdin === undefined ? {} : { stdin }), ...(name ? { operator: name } : {}) };
}

async function serve(socket: Socket, run: ControlRunner): Promise<void> {
  // A client that goes away mid-command must not take the server down.
  socket.on('error', () => {});
  socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
  const send = (reply: ControlReply) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
  };
  let exit: number;
  try {
    const request = parseRequest(await readRequestLine(socket));
    socket.setTimeout(0);
    exit = await run(request.argv, {
      out: (line) => send({ stream: 'out', line }),
      err: (line) => send({ stream: 'err', line: firstLine(line) }),
      stdinPassword: request.stdin,
      operator: { name: userInfo().username, ...(request.operator === undefined ? {} : { claimed: request.operator }) },
    });
  } catch (error) {
    send({ stream: 'err', line: firstLine((error as Error).message) });
    exit = error instanceof BadRequest ? 2 : 1;
  }
  send({ exit });
  socket.end();
}

/** A socket file left by a server that died; the caller holds the data dir lock, so no live server owns it. */
function removeStaleSocket(file: string): void {
  let stat;
  try {
    stat = lstatSync(file);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new Error(`${file}: exists and is not a socket; remove it`);
  rmSync(file);
}

/** Binds with umask 0177 so the socket is never reachable by others, not even for a moment. */
async function listenPrivately(server: Server, file: string): Promise<void> {
  let previous: number | undefined;
  try {
    previous = process.umask(0o177);
  } catch {
    // Worker threads cannot change the umask; the chmod below still applies.
  }
  try {
    // net binds a unix socket synchronously inside listen(), so the umask covers only the bind.
    server.listen(file);
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject);
  });
  chmodSync(file, 0o600);
}

/**
 * Serves operator commands on `<dataDir>/portico.sock`. Call it only while holding the data
 * directory (after openDatabase on the embedded default); close() before closing the database.
 */
export async function startControlServer(options: { dataDir: string; runCommand: ControlRunner }): Promise<{ close(): Promise<void> }> {
  const file = controlSocketPath(options.dataDir);
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`${file}: too long for a unix socket (at most ${MAX_SOCKET_PATH_BYTES} bytes); use a shorter DATA_DIR`);
  }
  removeStaleSocket(file);
  const server = createServer((socket) => void serve(socket, options.runCommand));
  await listenPrivately(server, file);
  return {
    // Waits for commands in flight, then removes the socket file.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(file, { force: true });
          resolve();
        });
      }),
  };
}

function connect(file: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(file);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function relayReplies(socket: Socket, io: Pick<CommandIo, 'out' | 'err'>): Promise<number> {
  return new Promise((resolve) => {
    let exit: number | undefined;
    const lines = createInterface({ input: socket, crlfDelay: Infinity });
    lines.on('line', (text) => {
      let reply: Partial<{ stream: string; line: string; exit: number }>;
      try {
        reply = JSON.parse(text);
      } catch {
        io.err('unreadable reply on the control socket');
        return;
      }
      if (typeof reply.exit === 'number') exit = reply.exit;
      else if (reply.stream === 'err') io.err(String(reply.line));
      else io.out(String(reply.line));
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      if (exit === undefined) io.err('the server closed the control connection before the command finished');
      resolve(exit ?? 1);
    });
  });
}

/**
 * Runs a command in the server that holds `dataDir`. Resolves to its exit code, or to
 * undefined when no server listens there (no socket, or one left by a dead server).
 */
export async function sendToControlServer(
  dataDir: string,
  argv: string[],
  stdin?: string,
  options: { io?: Pick<CommandIo, 'out' | 'err'>; operator?: string } = {},
): Promise<number | undefined> {
  const file = controlSocketPath(dataDir);
  let socket: Socket;
  try {
    socket = await connect(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`${file}: permission denied; run portico as the user the server runs as`);
    // ENOENT, ECONNREFUSED (a dead server's socket), EINVAL (a path too long): nobody answers.
    // The caller then tries the data directory itself, whose lock names any live holder.
    return undefined;
  }
  const request: ControlRequest = { argv, ...(stdin === undefined ? {} : { stdin }), operator: options.operator ?? userInfo().username };
  socket.write(`${JSON.stringify(request)}\n`);
  return relayReplies(socket, options.io ?? terminal);
}
