import { readFileSync } from 'node:fs';
import { timeQueries } from './query-timing.js';
import { ConfigError } from '../config/errors.js';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Database } from './schema.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { prepareDataDir } from './data-dir.js';
import { AccountChanges, accountWritesPlugin } from './account-changes.js';
import { listenPostgres, type ListenHandlers } from './pg-listener.js';
import { openMigrationPool, openRequestPool } from './pg-pool.js';
import { openSecretBox, type KeysEncryptionOptions } from './keys-encryption.js';
import { registerSecretBox } from './secret-box.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** This process's own account writes (see account-changes.ts); `listen` adds everyone's. */
  accountChanges: AccountChanges;
  /** LISTEN for a NOTIFY channel until the returned stop is called. */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>;
  /** PGlite only: the data directory as the tarball PGLITE_TEMPLATE names. */
  dump?(): Promise<Blob>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir: string;
  /**
   * A PGlite data-directory dump (PGLITE_TEMPLATE) that a `memory://` database starts from
   * instead of an empty cluster; migrations still run after it, as on any database.
   */
  template?: string;
  /** Who holds the embedded data directory: shown to a second process that tries to open it. */
  holder?: string;
  /** The keys-encryption key(s) from the environment; without one, a development key (keys-encryption.ts). */
  keysEncryption?: KeysEncryptionOptions;
}

/** Secrets at rest are sealed with the box registered here, resolved at first use (after migrations). */
function withSecretBox<T extends { db: Db }>(handle: T, options: DatabaseOptions): T {
  registerSecretBox(handle.db, () => openSecretBox(options.keysEncryption ?? {}, options, handle.db));
  return handle;
}

/** How migrateToLatest reaches a PostgreSQL database on a pool of its own (see pg-pool.ts). */
const migrationPools = new WeakMap<Db, () => Db>();

/**
 * The database migrations run on: a pool of their own for PostgreSQL, opened now and closed
 * with `close`; PGlite (one process, one session) and unknown handles run on `db` itself.
 */
export function openMigrationDb(db: Db): { db: Db; close(): Promise<void> } {
  const open = migrationPools.get(db);
  if (!open) return { db, close: async () => {} };
  const own = open();
  return { db: own, close: () => own.destroy() };
}

/**
 * An in-memory PGlite: an empty cluster (initdb, seconds of CPU) or a copy of the template.
 * A template PGlite cannot load (a dump from another PGlite version) stops start-up in one
 * line rather than falling back to an empty cluster, which would hide that it is never used.
 */
async function openInMemory(template: string | undefined): Promise<PGlite> {
  if (!template) {
    const pglite = new PGlite();
    await pglite.waitReady;
    return pglite;
  }
  const problem = (error: unknown) => new ConfigError(`environment: PGLITE_TEMPLATE: cannot load ${template} (a dump from another PGlite version?): ${(error as Error).message.split('\n')[0]}`);
  let dump: Blob;
  try {
    dump = new Blob([readFileSync(template)]);
  } catch (error) {
    throw problem(error);
  }
  try {
    const pglite = new PGlite({ loadDataDir: dump });
    await pglite.waitReady;
    return pglite;
  } catch (error) {
    throw problem(error);
  }
}

/**
 * Opens PostgreSQL when a URL is given, else PGlite in the data directory. PGlite allows one
 * process per directory, so it is guarded by a lock file (see data-dir-lock.ts).
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const accountChanges = new AccountChanges();
  const plugins = [accountWritesPlugin(accountChanges)];
  const { databaseUrl } = options;
  if (databaseUrl) {
    const db = openRequestPool(databaseUrl, plugins);
    migrationPools.set(db, () => openMigrationPool(databaseUrl));
    const listen = async (channel: string, handlers: ListenHandlers) => listenPostgres(databaseUrl, channel, handlers);
    return withSecretBox<DatabaseHandle>({ db, kind: 'postgres', accountChanges, listen, close: () => db.destroy() }, options);
  }
  let lock: DataDirLock | undefined;
  let pglite: PGlite;
  if (options.dataDir.startsWith('memory://')) {
    pglite = await openInMemory(options.template);
  } else {
    prepareDataDir(options.dataDir);
    lock = acquireDataDirLock(options.dataDir, options.holder ?? 'portico');
    pglite = new PGlite(`${options.dataDir}/pgdata`);
    await pglite.waitReady;
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite), plugins, log: timeQueries });
  return withSecretBox<DatabaseHandle>({
    db,
    kind: 'pglite',
    accountChanges,
    // One process, one session: PGlite calls back synchronously once a notifying transaction commits.
    async listen(channel, handlers) {
      const unlisten = await pglite.listen(channel, handlers.notify);
      handlers.state(true);
      return async () => {
        handlers.state(false);
        await unlisten().catch(() => {});
      };
    },
    // gzip: a tenth of the size (4 MB, not 41) and no slower to load.
    dump: () => pglite.dumpDataDir('gzip'),
    close: async () => {
      await db.destroy();
      lock?.release();
    },
  }, options);
}
