import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pinned } from './cpu-sets.js';
import { processTree } from './cpu.js';

/** A server process of the bench: started with tsx, ready when it prints `readyLine`. */
export class ServerProcess {
  #output = '';

  private constructor(readonly label: string, readonly proc: ChildProcess) {
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-4000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
  }

  /** `cpus`: a taskset list the process and the workers it forks are pinned to (cpu-sets.ts). */
  static async start(label: string, script: string, args: string[], env: NodeJS.ProcessEnv, readyLine: RegExp, cpus?: string): Promise<ServerProcess> {
    const [command, argv] = pinned(cpus, process.execPath, ['--import', 'tsx', script, ...args]);
    const proc = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(label, proc);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} not ready in 60 s:\n${server.#output}`)), 60_000);
      const check = () => {
        if (!readyLine.test(server.#output)) return;
        clearTimeout(timer);
        resolve();
      };
      proc.stdout!.on('data', check);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited (${code}) during start-up:\n${server.#output}`));
      });
    });
    return server;
  }

  /** The process and its children (cluster workers): pid and resident set size in MiB. */
  rss(): Array<{ pid: number; rssMiB: number }> {
    return this.pids().map((pid) => ({ pid, rssMiB: rssMiB(pid) }));
  }

  /** The process and its children (cluster workers), whose CPU the load process reads. */
  pids(): number[] {
    return processTree(this.proc.pid!);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function rssMiB(pid: number): number {
  try {
    const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Math.round((kib / 1024) * 10) / 10;
  } catch {
    return NaN;
  }
}
