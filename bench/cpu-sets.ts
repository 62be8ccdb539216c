import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/*
 * Equal CPU for both sides. Portico and the baseline each run pinned to the same core set
 * (taskset(1), util-linux: it sets the CPU affinity a process and the workers it forks
 * inherit), taking turns, so neither gets a core the other lacks. The load generator runs on
 * the other cores, where the machine has them, so it does not steal from the server it
 * measures. Redis and PostgreSQL are not pinned: they are Portico's own cost (the baseline
 * keeps everything in memory), and the CPU table charges them to it under "rest".
 *
 * BENCH_SERVER_CPUS (default "0" on a machine with two cores or more) and BENCH_LOAD_CPUS
 * (default: the remaining cores) take taskset's list syntax ("0", "0-1", "0,2"). "all"
 * switches pinning off, as the bench ran before it had equal CPU.
 */

export interface CpuSets {
  /** taskset list for Portico and the baseline, or undefined when not pinned. */
  server?: string;
  /** taskset list for the load generator, or undefined when not pinned. */
  load?: string;
  /** How many cores the servers may use: the per-core figures divide by it. */
  serverCores: number;
}

/** The cores a taskset list names: "0-2,5" is 4. */
export function coresIn(list: string): number {
  let count = 0;
  for (const part of list.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) throw new Error(`bench: "${list}" is not a CPU list such as 0 or 0-1 or 0,2`);
    count += match[2] === undefined ? 1 : Number(match[2]) - Number(match[1]) + 1;
  }
  return count;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function cpuSets(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): CpuSets {
  const wanted = env.BENCH_SERVER_CPUS;
  if (wanted === 'all' || (wanted === undefined && cores < 2) || !hasTaskset()) return { serverCores: cores };
  const server = wanted ?? '0';
  const serverCores = coresIn(server);
  const rest = cores > serverCores && wanted === undefined ? `${serverCores}-${cores - 1}` : undefined;
  return { server, load: env.BENCH_LOAD_CPUS ?? rest, serverCores };
}

/** The command and arguments that run `command args` on `cpus` (unchanged when undefined). */
export function pinned(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpus ? ['taskset', ['-c', cpus, command, ...args]] : [command, args];
}
