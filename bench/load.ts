import { cpuPerOp, cpuSnapshot, serverTotal, type CpuPerOp } from './cpu.js';
import { Http } from './http.js';
import type { Operation, Scenario } from './scenarios/types.js';

/*
 * The load generator, in its own process: `tsx bench/load.ts '<json LoadSpec>'` prints one JSON
 * LoadResult. Without `rate` it is a closed loop (each connection sends its next operation as
 * soon as the last one is answered: peak throughput). With `rate` it is an open loop: operations
 * are due at fixed intervals and latency counts from when each was due, so a server that falls
 * behind shows it (no coordinated omission).
 */

export interface LoadSpec {
  scenario: string;
  url: string;
  connections: number;
  durationMs: number;
  warmupMs?: number;
  rate?: number;
  params?: Record<string, unknown>;
  /** The server's processes, whose threads' CPU is read at the edges of the measured window. */
  serverPids?: number[];
}

export interface LoadResult {
  ops: number;
  errors: number;
  firstError?: string;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU time per operation, all its threads, in ms. */
  serverCpuMsPerOp?: number;
  /** Where the machine's CPU went per operation (bench/cpu.ts). */
  cpuMsPerOp?: CpuPerOp;
}

class Recorder {
  readonly latencies: number[] = [];
  errors = 0;
  firstError: string | undefined;

  async time(op: Operation, vu: number, since = performance.now()): Promise<void> {
    try {
      await op(vu);
      this.latencies.push(performance.now() - since);
    } catch (error) {
      this.errors++;
      this.firstError ??= String(error instanceof Error ? error.message : error);
    }
  }
}

async function closedLoop(op: Operation, connections: number, durationMs: number, recorder: Recorder): Promise<void> {
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async (_, vu) => {
      while (performance.now() < end) await recorder.time(op, vu);
    }),
  );
}

function openLoop(op: Operation, connections: number, durationMs: number, rate: number, recorder: Recorder): Promise<void> {
  const start = performance.now();
  const total = Math.floor((rate * durationMs) / 1000);
  const idle = Array.from({ length: connections }, (_, vu) => vu);
  const due: number[] = [];
  let issued = 0;
  let running = 0;
  return new Promise((resolve) => {
    const dispatch = () => {
      while (idle.length > 0 && due.length > 0) {
        // First idle, first used: every connection keeps working, so no refresh token chain sits
        // idle long enough to fall out of the baseline's LRU (1000 entries).
        const vu = idle.shift()!;
        running++;
        void recorder.time(op, vu, due.shift()).then(() => {
          running--;
          idle.push(vu);
          dispatch();
        });
      }
      if (issued === total && due.length === 0 && running === 0) {
        clearInterval(ticker);
        resolve();
      }
    };
    const ticker = setInterval(() => {
      const owed = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      for (; issued < owed; issued++) due.push(start + (issued * 1000) / rate);
      dispatch();
    }, 1);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const http = new Http(spec.url, spec.connections);
  const scenario = ((await import(`./scenarios/${spec.scenario}.js`)) as { default: Scenario }).default;
  const op = await scenario({ http, params: spec.params ?? {} });
  // The warm-up runs the same loop, unrecorded: an open loop at its own rate, so what is measured
  // is the steady state at that rate, not a server (V8's heap, JIT) waking from the idle spell
  // while the other contender was measured.
  if (spec.warmupMs) {
    if (spec.rate) await openLoop(op, spec.connections, spec.warmupMs, spec.rate, new Recorder());
    else await closedLoop(op, spec.connections, spec.warmupMs, new Recorder());
  }
  const recorder = new Recorder();
  const cpuBefore = spec.serverPids && cpuSnapshot(spec.serverPids);
  const started = performance.now();
  if (spec.rate) await openLoop(op, spec.connections, spec.durationMs, spec.rate, recorder);
  else await closedLoop(op, spec.connections, spec.durationMs, recorder);
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuBefore && recorder.latencies.length > 0 ? cpuPerOp(cpuBefore, cpuSnapshot(spec.serverPids!), recorder.latencies.length) : undefined;
  http.close();
  const sorted = recorder.latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    ops: sorted.length,
    errors: recorder.errors,
    ...(recorder.firstError ? { firstError: recorder.firstError } : {}),
    seconds: round(seconds),
    perSecond: round(sorted.length / seconds),
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    ...(cpu ? { serverCpuMsPerOp: serverTotal(cpu), cpuMsPerOp: cpu } : {}),
  };
}

if (process.argv[2]) {
  process.stdout.write(`${JSON.stringify(await runLoad(JSON.parse(process.argv[2]) as LoadSpec))}\n`);
}
