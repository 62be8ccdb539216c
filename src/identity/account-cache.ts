import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { ACCOUNT_CHANGES_CHANNEL, type AccountChange } from '../storage/account-changes.js';
import type { DatabaseHandle, Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';

/**
 * What a token request (userinfo, refresh, code exchange) needs of an account: whether it may
 * still be used, and its claims. migrations/0028 (after 0009) NOTIFYs a change to exactly these
 * columns; change both together.
 */
export const TOKEN_ACCOUNT_COLUMNS = ['id', 'status', 'sessions_valid_after', 'username', 'email', 'email_verified_at', 'given_name', 'family_name', 'account_type'] as const;

/** An approved organisation the account belongs to, as its membership row says (roles space-separated). */
export interface TokenMembership {
  id: string;
  name: string;
  roles: string;
  /** The organisation's kind (an account type): portals limited by organization_types see only theirs. */
  kind: string;
}

/**
 * The account's columns, and its approved organisations (the `organizations` claim): migration
 * 0034 NOTIFYs the account when one of its memberships, or an organisation it belongs to, changes.
 */
export type TokenAccount = Readonly<Pick<Account, (typeof TOKEN_ACCOUNT_COLUMNS)[number]>> & { readonly organizations: readonly TokenMembership[] };

const CACHED = new Set<string>(TOKEN_ACCOUNT_COLUMNS);
const MAX_ENTRIES = 50_000;

export function findTokenAccount(db: Db, id: string): Promise<TokenAccount | undefined> {
  return db
    .selectFrom('accounts')
    .select(TOKEN_ACCOUNT_COLUMNS)
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('memberships')
          .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
          .select(['organizations.id', 'organizations.legal_name as name', 'memberships.roles', 'organizations.kind'])
          .whereRef('memberships.account_id', '=', 'accounts.id')
          .where('organizations.status', '=', 'approved')
          .orderBy('organizations.legal_name')
          .orderBy('organizations.id'),
      ).as('organizations'),
    )
    .where('id', '=', id)
    .executeTakeFirst();
}

interface Load {
  promise: Promise<TokenAccount | undefined>;
  /** A change arrived while the row was being read: what it read must not be kept. */
  stale: boolean;
}

/**
 * Token requests read an account far more often than anything changes it: this process keeps
 * what they read, and drops it when PostgreSQL NOTIFYs a change (from any process), when this
 * process writes accounts itself, and whenever the notifications may have been missed. While
 * no notifications arrive (or ACCOUNT_CACHE_SECONDS is 0), nothing is kept and every request
 * reads the database; the expiry is only a backstop. Another server may answer with the old
 * row for the moment a NOTIFY takes to arrive after the commit: the same as if its read had
 * come just before the change.
 */
export class AccountCache {
  readonly #entries = new Map<string, { account: TokenAccount; expires: number }>();
  readonly #loads = new Map<string, Load>();
  #live = false;

  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
  ) {}

  get(id: string): Promise<TokenAccount | undefined> {
    if (!this.#live) return findTokenAccount(this.db, id);
    const entry = this.#entries.get(id);
    if (entry && entry.expires > Date.now()) return Promise.resolve(entry.account);
    const pending = this.#loads.get(id);
    if (pending && !pending.stale) return pending.promise;
    return this.#load(id);
  }

  #load(id: string): Promise<TokenAccount | undefined> {
    const load: Load = { promise: findTokenAccount(this.db, id), stale: false };
    this.#loads.set(id, load);
    const settle = (account?: TokenAccount) => {
      if (this.#loads.get(id) === load) this.#loads.delete(id);
      if (account && !load.stale && this.#live) this.#store(id, Object.freeze(account));
    };
    load.promise.then(settle, () => settle());
    return load.promise;
  }

  #store(id: string, account: TokenAccount): void {
    this.#entries.delete(id);
    // Maps iterate in insertion order: the first key is the oldest entry.
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(id, { account, expires: Date.now() + this.ttlMs });
  }

  #forget(id: string): void {
    this.#entries.delete(id);
    const load = this.#loads.get(id);
    if (load) load.stale = true;
  }

  #forgetAll(): void {
    this.#entries.clear();
    for (const load of this.#loads.values()) load.stale = true;
  }

  readonly onChange = (change: AccountChange): void => {
    if (change.kind === 'committed') return this.#forget(change.accountId);
    if (change.kind === 'feed') this.#live = change.live;
    if (change.kind === 'written' && change.columns !== 'all' && !change.columns.some((column) => CACHED.has(column))) return;
    this.#forgetAll();
  };
}

/** The cache, fed by this process's own writes and by everyone's NOTIFYs. Returns it and stop. */
export async function startAccountCache(database: DatabaseHandle, seconds: number): Promise<{ cache: AccountCache; stop(): Promise<void> }> {
  const cache = new AccountCache(database.db, seconds * 1000);
  // Never fed, never live: every read goes to the database.
  if (seconds === 0) return { cache, stop: async () => {} };
  const unsubscribe = database.accountChanges.subscribe(cache.onChange);
  const unlisten = await database.listen(ACCOUNT_CHANGES_CHANNEL, {
    notify: (accountId) => database.accountChanges.emit({ kind: 'committed', accountId }),
    state: (live) => database.accountChanges.emit({ kind: 'feed', live }),
  });
  return {
    cache,
    stop: async () => {
      await unlisten();
      unsubscribe();
    },
  };
}
