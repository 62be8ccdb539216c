import type { LogEvent } from 'kysely';
import { dbQueries } from '../metrics/metrics.js';

/** Kysely's log hook: each statement's duration into portico_db_query_duration_seconds (never its text or parameters). */
export function timeQueries(event: LogEvent): void {
  dbQueries.observe({ outcome: event.level === 'error' ? 'error' : 'ok' }, event.queryDurationMillis / 1000);
}
