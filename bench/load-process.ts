import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { pinned } from './cpu-sets.js';
import type { LoadResult, LoadSpec } from './load.js';

const root = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/**
 * Runs one measurement in a fresh load-generator process (bench/load.ts), pinned to `cpus`
 * when given (cpu-sets.ts), and logs a line.
 */
export async function runLoadProcess(spec: LoadSpec, cpus?: string): Promise<LoadResult> {
  const [command, argv] = pinned(cpus, process.execPath, ['--import', 'tsx', path.join(root, 'bench/load.ts'), JSON.stringify(spec)]);
  const { stdout } = await run(command, argv, { cwd: root, maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
  const errors = result.errors ? ` errors ${result.errors}: ${result.firstError}` : '';
  process.stdout.write(`  ${spec.scenario} ${spec.rate ? `@${spec.rate}/s` : 'peak'} :${new URL(spec.url).port}: ${result.perSecond}/s p50 ${result.p50Ms} ms p99 ${result.p99Ms} ms${errors}\n`);
  return result;
}
