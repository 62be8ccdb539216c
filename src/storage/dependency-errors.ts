import { msg } from '../i18n/index.js';

/**
 * Errors that mean a dependency (PostgreSQL, Redis) is unreachable or cannot take writes rather
 * than a bug: these answer 503 so that load balancers and portals retry, never a stack trace.
 */
/** What an outage tells people and portals, wherever it is caught. */
export const OUTAGE = { title: msg('error.outage.title'), message: msg('error.try_later'), retryAfterSeconds: 5 } as const;

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

export function isDependencyError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: string; name?: string; message?: string; cause?: unknown; errors?: unknown[]; previousErrors?: unknown[] };
    if (e.code && networkCodes.has(e.code)) return true;
    // SQLSTATE class 08 (connection exception), 57P01..03 (admin shutdown, crash, cannot connect now),
    // 25006 (read-only transaction: a standby, or a primary demoted by a failover), class 53
    // (insufficient resources: too many connections, disk full, out of memory).
    // 57014 (statement cancelled: statement_timeout) and 25P03 (idle_in_transaction_session_timeout): a database too slow to answer in time.
    if (e.code && (/^08/.test(e.code) || /^57P0[1-3]$/.test(e.code) || e.code === '25006' || /^53[0-9A-Z]{3}$/.test(e.code) || e.code === '57014' || e.code === '25P03')) return true;
    if (e.name === 'MaxRetriesPerRequestError') return true;
    // Redis answering but not serving: a replica after a failover, loading, no quorum, out of memory;
    // a cluster whose slots are moving or uncovered (the cluster client's own errors are below).
    if (e.name === 'ReplyError' && e.message && /^(READONLY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|OOM)\b/.test(e.message)) return true;
    // MULTI/EXEC refused as a whole (EXECABORT) carries the errors that caused it.
    if (Array.isArray(e.previousErrors) && e.previousErrors.some(isDependencyError)) return true;
    if (e.message && /Connection terminated|Connection is closed|connect ECONNREFUSED|timeout exceeded when trying to connect|Query read timeout|Stream isn't writeable|Redis connection is not ready|^Command timed out$|Too many Cluster redirections|Cluster isn't ready|None of startup nodes is available|Failed to refresh slots cache/i.test(e.message)) return true;
    if (Array.isArray(e.errors) && e.errors.some(isDependencyError)) return true;
    current = e.cause;
  }
  return false;
}
