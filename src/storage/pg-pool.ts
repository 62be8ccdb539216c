import { poolConnections, poolIdle, poolWaiting } from '../metrics/metrics.js';
import { timeQueries } from './query-timing.js';
import { Kysely, PostgresDialect, type KyselyPlugin } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

/*
 * A PostgreSQL that hangs (a frozen host, a partition that drops packets) rather than stops
 * would hold every request until it answers: nothing in TCP gives up soon. So each wait has a
 * bound, and a request fails with a dependency error the web layer answers 503
 * (storage/dependency-errors.ts). Runtime settings per connection: PostgreSQL docs, "Client
 * Connection Defaults" (statement_timeout, idle_in_transaction_session_timeout); the client
 * side: node-postgres docs, "Client" (query_timeout, connectionTimeoutMillis).
 */
export const DATABASE_TIMEOUTS = {
  /** Opening a connection, up to the server's first answer. */
  connectMs: 5000,
  /** The server cancels a statement running longer (SQLSTATE 57014): an overloaded or locked database. */
  statementMs: 5000,
  /** The client stops waiting for an answer: a little longer, so a live server cancels first and its connection stays usable. */
  queryMs: 6000,
  /** The server ends a session left idle inside a transaction, releasing its locks. */
  idleInTransactionMs: 10_000,
} as const;

const QUERY_READ_TIMEOUT = 'Query read timeout';

/**
 * node-postgres leaves a timed-out query on its connection (its answer may still come), so
 * that connection is destroyed on release instead of being handed to the next request, which
 * would wait behind it.
 */
function discardTimedOutClients(pool: pg.Pool): void {
  const timedOut = new WeakSet<pg.PoolClient>();
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          if ((error as Error)?.message === QUERY_READ_TIMEOUT) timedOut.add(client as pg.PoolClient);
        });
      }
      return result;
    };
  });
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  (pool as { connect: unknown }).connect = async () => {
    const client = await connect();
    const release = client.release.bind(client);
    client.release = (destroy?: Error | boolean) => release(destroy || timedOut.has(client));
    return client;
  };
}

/** The request pool: every wait bounded by DATABASE_TIMEOUTS. */
export function openRequestPool(connectionString: string, plugins: KyselyPlugin[]): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    connectionTimeoutMillis: DATABASE_TIMEOUTS.connectMs,
    statement_timeout: DATABASE_TIMEOUTS.statementMs,
    query_timeout: DATABASE_TIMEOUTS.queryMs,
    idle_in_transaction_session_timeout: DATABASE_TIMEOUTS.idleInTransactionMs,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  discardTimedOutClients(pool);
  // Pool use, read at each scrape: connections open, idle, and requests waiting for one.
  poolConnections.readFrom(() => pool.totalCount);
  poolIdle.readFrom(() => pool.idleCount);
  poolWaiting.readFrom(() => pool.waitingCount);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins, log: timeQueries });
}

/**
 * Migrations on a pool of their own, one connection, without statement or query timeouts: an
 * index built on a large table may take minutes, which the request pool would cancel. Only
 * connecting is bounded, so a hung server still fails start-up instead of holding it.
 */
export function openMigrationPool(connectionString: string): Kysely<Database> {
  const pool = new pg.Pool({ connectionString, max: 1, connectionTimeoutMillis: DATABASE_TIMEOUTS.connectMs });
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
