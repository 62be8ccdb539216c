import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

  static async start(label: string, script: string, args: string[], env: NodeJS.ProcessEnv, readyLine: RegExp): Promise<ServerProcess> {
    const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const pids = [this.proc.pid!, ...childPids(this.proc.pid!)];
    return pids.map((pid) => ({ pid, rssMiB: rssMiB(pid) }));
  }

  /** CPU seconds (user + system) used so far by the process and its children. */
  cpuSeconds(): number {
    return [this.proc.pid!, ...childPids(this.proc.pid!)].reduce((sum, pid) => sum + cpuSeconds(pid), 0);
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

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
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

/** utime + stime from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
