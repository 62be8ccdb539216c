import { readdirSync, readFileSync } from 'node:fs';

/*
 * Where the CPU of a measurement goes, read from /proc (Linux) at the edges of the measured
 * window only, so the load process's start-up and warm-up are not counted. A server's threads
 * are told apart by name (Node names them): its JavaScript thread, libuv's thread pool (where
 * argon2 hashes: node-argon2 runs as an N-API async worker), V8's platform workers (mostly
 * garbage collection) and the rest. The machine's busy time covers everything else too:
 * Redis, PostgreSQL, the kernel's loopback networking.
 */

export interface CpuSnapshot {
  /** Busy time of the whole machine, all cores, in ms (/proc/stat). */
  machineMs: number;
  /** The watched server's threads, by kind, in ms. */
  server: Record<ThreadKind, number>;
  /** This process (the load generator), in ms. */
  selfMs: number;
}

export type ThreadKind = 'javascript' | 'threadPool' | 'gc' | 'other';

/** CPU ms per operation over one window. */
export interface CpuPerOp {
  machine: number;
  server: Record<ThreadKind, number>;
  loadGenerator: number;
  /** Machine minus server minus load generator: Redis, PostgreSQL, the kernel, anything else. */
  rest: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux: /proc times are in 1/100 s.

function machineBusyMs(): number {
  // cpu  user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const busy = fields.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
  return busy * TICK_MS;
}

function kindOf(threadName: string, isMain: boolean): ThreadKind {
  if (isMain) return 'javascript';
  if (threadName === 'libuv-worker') return 'threadPool';
  if (threadName === 'V8Worker') return 'gc';
  return 'other';
}

function readOr(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A process and its direct children (cluster workers). */
export function processTree(pid: number): number[] {
  const children = readOr(`/proc/${pid}/task/${pid}/children`)?.trim().split(/\s+/).filter(Boolean).map(Number) ?? [];
  return [pid, ...children];
}

function addThreads(pid: number, into: Record<ThreadKind, number>): void {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    const stat = readOr(`/proc/${pid}/task/${tid}/stat`);
    if (!stat) continue;
    // The name sits in parentheses and may hold spaces; utime and stime are fields 14 and 15.
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    into[kindOf(name, tid === String(pid))] += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  }
}

export function cpuSnapshot(serverPids: number[]): CpuSnapshot {
  const server: Record<ThreadKind, number> = { javascript: 0, threadPool: 0, gc: 0, other: 0 };
  for (const pid of serverPids) addThreads(pid, server);
  const self = process.cpuUsage();
  return { machineMs: machineBusyMs(), server, selfMs: (self.user + self.system) / 1000 };
}

const perOp = (ms: number, ops: number) => Math.round((ms / ops) * 100) / 100;

export function cpuPerOp(before: CpuSnapshot, after: CpuSnapshot, ops: number): CpuPerOp {
  const server = Object.fromEntries(
    (Object.keys(before.server) as ThreadKind[]).map((kind) => [kind, perOp(after.server[kind] - before.server[kind], ops)]),
  ) as Record<ThreadKind, number>;
  const machine = after.machineMs - before.machineMs;
  const serverMs = Object.keys(server).reduce((sum, kind) => sum + after.server[kind as ThreadKind] - before.server[kind as ThreadKind], 0);
  const loadGenerator = after.selfMs - before.selfMs;
  return {
    machine: perOp(machine, ops),
    server,
    loadGenerator: perOp(loadGenerator, ops),
    rest: perOp(Math.max(0, machine - serverMs - loadGenerator), ops),
  };
}

/** Total server CPU per operation, all threads. */
export const serverTotal = (cpu: CpuPerOp) => Math.round(Object.values(cpu.server).reduce((a, b) => a + b, 0) * 100) / 100;
