import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandIo } from '../../src/cli/context.js';
import { controlSocketPath, sendToControlServer, startControlServer } from '../../src/cli/control-channel.js';

const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-ctl-'));
  dirs.push(dir);
  return dir;
}

function capture() {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(`out:${l}`), err: (l: string) => lines.push(`err:${l}`) } };
}

async function serve(dir: string, run: (argv: string[], io: CommandIo) => Promise<number>) {
  const server = await startControlServer({ dataDir: dir, runCommand: run });
  closers.push(() => server.close());
  return server;
}

describe('control channel', () => {
  it('runs the command in the server and relays its lines, password and exit code', async () => {
    const dir = tempDir();
    const seen: { argv: string[]; password?: string; operator?: CommandIo['operator'] }[] = [];
    await serve(dir, async (argv, io) => {
      seen.push({ argv, password: io.stdinPassword, operator: io.operator });
      io.out('first');
      io.err('something went wrong\nsecond line is dropped');
      io.out('last');
      return 3;
    });
    const { lines, io } = capture();
    const exit = await sendToControlServer(dir, ['users', 'create', '--username', 'u'], 'S3cret pass', { io, operator: 'alice' });
    expect(exit).toBe(3);
    expect(lines).toEqual(['out:first', 'err:something went wrong', 'out:last']);
    // The name the client sent is only its claim: the server vouches for its own user, the only one (with root) that can open the socket.
    expect(seen).toEqual([{ argv: ['users', 'create', '--username', 'u'], password: 'S3cret pass', operator: { name: userInfo().username, claimed: 'alice' } }]);
  });

  it('makes the socket readable and writable by its owner only', async () => {
    const dir = tempDir();
    await serve(dir, async () => 0);
    const mode = statSync(controlSocketPath(dir)).mode;
    expect(mode & 0o777).toBe(0o600);
  });

  it('answers a command that throws with one error line and exit 1, and keeps serving', async () => {
    const dir = tempDir();
    let calls = 0;
    await serve(dir, async () => {
      calls++;
      if (calls === 1) throw new Error('database gone\nstack');
      return 0;
    });
    const first = capture();
    expect(await sendToControlServer(dir, ['migrate'], undefined, { io: first.io })).toBe(1);
    expect(first.lines).toEqual(['err:database gone']);
    expect(await sendToControlServer(dir, ['migrate'], undefined, { io: capture().io })).toBe(0);
  });

  it('rejects a malformed request with exit 2 and runs nothing', async () => {
    const dir = tempDir();
    let ran = false;
    await serve(dir, async () => {
      ran = true;
      return 0;
    });
    const replies = await new Promise<string>((resolve) => {
      let text = '';
      const socket = createConnection(controlSocketPath(dir), () => socket.write('{"argv":"migrate"}\n'));
      socket.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('close', () => resolve(text));
    });
    expect(replies.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ stream: 'err', line: 'control request needs argv: string[]' }, { exit: 2 }]);
    expect(ran).toBe(false);
  });

  it('reports no server when there is no socket, or only one left by a dead server', async () => {
    const dir = tempDir();
    expect(await sendToControlServer(dir, ['migrate'], undefined, { io: capture().io })).toBeUndefined();
    // A server killed without cleaning up leaves its socket file behind.
    const socket = controlSocketPath(dir);
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(existsSync(socket)).toBe(true);
    expect(await sendToControlServer(dir, ['migrate'], undefined, { io: capture().io })).toBeUndefined();
    // The next server replaces the stale file and answers.
    await serve(dir, async () => 0);
    expect(await sendToControlServer(dir, ['migrate'], undefined, { io: capture().io })).toBe(0);
  });

  it('says so when the data directory path is too long for a socket, and the client finds no server', async () => {
    const dir = path.join(tempDir(), 'd'.repeat(110));
    await expect(startControlServer({ dataDir: dir, runCommand: async () => 0 })).rejects.toThrow(/too long for a unix socket/);
    expect(await sendToControlServer(dir, ['migrate'], undefined, { io: capture().io })).toBeUndefined();
  });

  it('refuses to replace a file that is not a socket', async () => {
    const dir = tempDir();
    writeFileSync(controlSocketPath(dir), 'not a socket');
    await expect(startControlServer({ dataDir: dir, runCommand: async () => 0 })).rejects.toThrow(/exists and is not a socket/);
  });

  it('removes the socket on close, after the command in flight finished', async () => {
    const dir = tempDir();
    let release!: () => void;
    let arrived!: () => void;
    const running = new Promise<void>((resolve) => (arrived = resolve));
    const server = await startControlServer({
      dataDir: dir,
      runCommand: async (_argv, io) => {
        const released = new Promise<void>((resolve) => (release = resolve));
        arrived();
        await released;
        io.out('done');
        return 0;
      },
    });
    const { lines, io } = capture();
    const pending = sendToControlServer(dir, ['keys', 'rotate'], undefined, { io });
    await running;
    const closing = server.close();
    release();
    expect(await pending).toBe(0);
    expect(lines).toEqual(['out:done']);
    await closing;
    expect(existsSync(controlSocketPath(dir))).toBe(false);
  });
});
