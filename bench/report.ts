import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CpuPerOp } from './cpu.js';
import type { LoadResult } from './load.js';

export interface Measured {
  peak: LoadResult;
  /** Open loop at half the peak rate: the latency a server shows with headroom. */
  half: LoadResult;
}

export interface Row {
  name: string;
  portico: Measured;
  baseline?: Measured;
  /** What the ratio is taken against, when not the baseline (sign-ins: raw argon2id verifies). */
  reference?: { name: string; perSecond: number };
  target?: number;
  /** p99 at half peak must stay below this. */
  p99TargetMs?: number;
  /** ... and within this multiple of the baseline's p99 at its own half peak. */
  p99BaselineFactor?: number;
}

export interface Report {
  rows: Row[];
  /** Raw argon2id verifications in the load process: what a sign-in's password check costs alone. */
  argon2?: Measured;
  rss: Record<string, { before: Array<{ pid: number; rssMiB: number }>; after: Array<{ pid: number; rssMiB: number }> }>;
  [key: string]: unknown;
}

export function ratio(row: Row): number | undefined {
  const against = row.baseline?.peak.perSecond ?? row.reference?.perSecond;
  return against ? Math.round((row.portico.peak.perSecond / against) * 100) / 100 : undefined;
}

/** A rate per core the servers were pinned to (the bench gives both sides the same cores). */
export const perCore = (perSecond: number, cores: number) => Math.round(perSecond / cores);

function p99Met(row: Row): boolean {
  const p99 = row.portico.half.p99Ms;
  if (row.p99TargetMs !== undefined && !(p99 < row.p99TargetMs)) return false;
  return row.p99BaselineFactor === undefined || !row.baseline || p99 <= row.p99BaselineFactor * row.baseline.half.p99Ms;
}

const total = (list: Array<{ rssMiB: number }>) => list.reduce((sum, p) => sum + p.rssMiB, 0);
export const rssGrowth = (r: Report['rss'][string]) => Math.round((total(r.after) / total(r.before) - 1) * 1000) / 10;

const latency = (m: LoadResult) => `${m.p50Ms}/${m.p99Ms}`;

/** The printed table: one line per measurement, then RSS. */
export function formatTable(report: Report, cores: number): string {
  const header = ['measurement', 'Portico/s/core', 'p50/p99 ms', 'CPU ms/op', 'baseline/s/core', 'p50/p99 ms', 'CPU ms/op', 'ratio', 'target', 'met'];
  const lines = report.rows.map((row) => {
    const r = ratio(row);
    const ratioMet = row.target === undefined || (r !== undefined && r >= row.target);
    const p99 = [row.p99TargetMs ? `<${row.p99TargetMs}` : '', row.p99BaselineFactor && row.baseline ? `<=${row.p99BaselineFactor}x` : ''].filter(Boolean).join(',');
    const target = [row.target !== undefined ? `>=${row.target}` : '', p99 ? `p99${p99}` : ''].filter(Boolean).join(' ');
    const errors = row.portico.peak.errors + row.portico.half.errors + (row.baseline ? row.baseline.peak.errors + row.baseline.half.errors : 0);
    return [
      row.name + (errors ? ` (${errors} errors)` : ''),
      String(perCore(row.portico.peak.perSecond, cores)),
      latency(row.portico.half),
      String(row.portico.peak.serverCpuMsPerOp ?? '-'),
      row.baseline ? String(perCore(row.baseline.peak.perSecond, cores)) : row.reference ? `${row.reference.name} ${perCore(row.reference.perSecond, cores)}` : '-',
      row.baseline ? latency(row.baseline.half) : '-',
      String(row.baseline?.peak.serverCpuMsPerOp ?? '-'),
      r === undefined ? '-' : String(r),
      target || '-',
      target ? (ratioMet && p99Met(row) ? 'yes' : 'NO') : '-',
    ];
  });
  for (const [name, rss] of Object.entries(report.rss)) {
    const growth = rssGrowth(rss);
    lines.push([`RSS ${name} MiB (${rss.before.length} proc)`, `${total(rss.before).toFixed(0)} -> ${total(rss.after).toFixed(0)}`, `${growth}%`, '', '', '', '', '', name === 'portico' ? '<=15%' : '-', name === 'portico' ? (growth <= 15 ? 'yes' : 'NO') : '-']);
  }
  return aligned(header, lines);
}

/** Columns padded to their widest cell, under a header and a rule. */
function aligned(header: string[], lines: string[][]): string {
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}

const cpuCells = (cpu: CpuPerOp | undefined) =>
  cpu ? [cpu.machine, cpu.server.javascript, cpu.server.threadPool, Math.round((cpu.server.gc + cpu.server.other) * 100) / 100, cpu.loadGenerator, cpu.rest].map(String) : ['-', '-', '-', '-', '-', '-'];

/**
 * Where the machine's CPU goes per operation at peak: the server's JavaScript thread, its
 * thread pool (argon2), V8's helpers (GC), the load generator, and the rest (Redis,
 * PostgreSQL, the kernel). With the cores saturated, rate = cores / machine ms per op.
 */
export function formatCpuTable(report: Report): string {
  const header = ['CPU ms per op at peak', 'machine', 'JS thread', 'thread pool', 'GC+other', 'load gen', 'rest'];
  const lines: string[][] = [];
  for (const row of report.rows) {
    lines.push([`${row.name}: Portico`, ...cpuCells(row.portico.peak.cpuMsPerOp)]);
    if (row.baseline) lines.push([`${row.name}: baseline`, ...cpuCells(row.baseline.peak.cpuMsPerOp)]);
  }
  if (report.argon2) lines.push(['argon2id verify (raw, in load gen)', ...cpuCells(report.argon2.peak.cpuMsPerOp)]);
  return [aligned(header, lines), signInCeiling(report)].filter(Boolean).join('\n');
}

/** The sign-ins/argon2 ratio the measured costs allow: raw verify CPU over a whole sign-in's. */
function signInCeiling(report: Report): string | undefined {
  const signIn = report.rows.find((row) => row.reference?.name === 'argon2id')?.portico.peak.cpuMsPerOp;
  const verify = report.argon2?.peak.cpuMsPerOp?.machine;
  if (!signIn || !verify) return undefined;
  const rest = Math.round((signIn.machine - signIn.server.threadPool) * 10) / 10;
  return (
    `A complete sign-in took ${signIn.machine} ms of machine CPU: ${signIn.server.threadPool} in Portico's thread pool ` +
    `(argon2; raw verify ${verify}) and ${rest} for everything else. With the cores saturated, ` +
    `sign-ins/argon2 = ${verify} / ${signIn.machine} = ${Math.round((verify / signIn.machine) * 100) / 100}.`
  );
}

export function writeReport(dir: string, report: object, prefix = 'bench'): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
