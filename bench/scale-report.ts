import type { LoadResult } from './load.js';
import type { RelationSize } from './scale-seed.js';

export interface Lookup {
  p50Ms: number;
  p99Ms: number;
  /** The top of PostgreSQL's plan: an index scan, never a sequential one. */
  plan: string;
}

export interface SizeResult {
  accounts: number;
  sessions: number;
  refreshTokens: number;
  seedSeconds: number;
  signIn: LoadResult;
  refresh: LoadResult;
  forgotUsername: Lookup;
  signInLookup: Lookup;
  redisBytesPerSession: number;
  redisBytesPerRefreshToken: number;
  tables: RelationSize[];
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const ms = (value: number) => `${value.toFixed(2)} ms`;

export function formatScale(results: SizeResult[]): string {
  const lines = [
    '| accounts | sessions + refresh tokens | sign-in p50 / p99 | sign-in CPU | refresh p50 / p99 | refresh CPU | forgot-username lookup p50 / p99 | login lookup p50 / p99 | Redis B/session | Redis B/refresh token |',
    '|---:|---:|---|---:|---|---:|---|---|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.accounts.toLocaleString('en')} | ${r.sessions.toLocaleString('en')} + ${r.refreshTokens.toLocaleString('en')} ` +
        `| ${r.signIn.p50Ms} / ${r.signIn.p99Ms} ms | ${r.signIn.serverCpuMsPerOp ?? '–'} ms ` +
        `| ${r.refresh.p50Ms} / ${r.refresh.p99Ms} ms | ${r.refresh.serverCpuMsPerOp ?? '–'} ms ` +
        `| ${ms(r.forgotUsername.p50Ms)} / ${ms(r.forgotUsername.p99Ms)} | ${ms(r.signInLookup.p50Ms)} / ${ms(r.signInLookup.p99Ms)} ` +
        `| ${r.redisBytesPerSession} | ${r.redisBytesPerRefreshToken} |`,
    );
  }
  const last = results.at(-1);
  if (last) {
    lines.push('', `PostgreSQL at ${last.accounts.toLocaleString('en')} accounts (tables over 1 MiB):`, '', '| table | rows | data | indexes |', '|---|---:|---:|---:|');
    for (const t of last.tables) lines.push(`| ${t.table} | ${t.rows.toLocaleString('en')} | ${mib(t.tableBytes)} | ${mib(t.indexBytes)} |`);
    lines.push('', `Plans: forgot-username "${last.forgotUsername.plan}", sign-in lookup "${last.signInLookup.plan}".`);
  }
  return lines.join('\n');
}

/**
 * The sizing the README's capacity table comes from, with its assumptions in the open:
 * - a morning peak hour carries a quarter of a day's sign-ins, and a fifth of the members sign
 *   in on a given day; each of them holds one session (24 h at most) and one refresh token;
 * - cores run at 60% at that peak, and each sign-in costs the server CPU measured here
 *   (argon2id included; PostgreSQL's and Redis's own CPU come on top);
 * - PostgreSQL's disk is the accounts table with its indexes, scaled per account (audit
 *   events grow with activity, not members, and are kept apart).
 */
export function formatCapacity(last: SizeResult): string {
  const accounts = last.tables.find((t) => t.table === 'accounts');
  const bytesPerAccount = accounts ? (accounts.tableBytes + accounts.indexBytes) / last.accounts : NaN;
  const cpuMs = last.signIn.serverCpuMsPerOp ?? NaN;
  const lines = ['| members | peak sign-ins/s | cores (60%) | Redis (sessions + refresh tokens) | PostgreSQL accounts |', '|---:|---:|---:|---:|---:|'];
  for (const members of [1e6, 5e6, 20e6]) {
    const active = members * 0.2;
    const perSecond = (active * 0.25) / 3600;
    const cores = Math.max(1, Math.ceil((perSecond * cpuMs) / 1000 / 0.6));
    const redis = active * (last.redisBytesPerSession + last.redisBytesPerRefreshToken);
    lines.push(`| ${(members / 1e6).toFixed(0)} million | ${perSecond.toFixed(0)} | ${cores} | ${(redis / 2 ** 30).toFixed(1)} GiB | ${Number.isNaN(bytesPerAccount) ? '– (under 1 MiB measured)' : `${((members * bytesPerAccount) / 2 ** 30).toFixed(1)} GiB`} |`);
  }
  return lines.join('\n');
}
