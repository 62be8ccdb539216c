import { createHash } from 'node:crypto';
import type { RedisClient } from '../storage/redis.js';
import { CompiledQuery } from 'kysely';
import { RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitedAction, RateLimitsPolicy } from '../config/policy-rate-limits.js';
import type { Db } from '../storage/database.js';

/** Over a limit: 429 with Retry-After, and on pages a message saying when to try again. */
export class TooManyAttempts extends Error {
  readonly status = 429;
  readonly expose = true;
  constructor(readonly retryAfterSeconds: number) {
    super('Too many attempts');
  }
}

interface Stores {
  db: Db;
  redis?: RedisClient;
  /** Separates deployments (and test servers) that share one Redis or database. */
  namespace: string;
}

type Window = { points: number; duration_seconds: number };

/** One deployment is one issuer: its processes share counters, other deployments on the same stores do not. */
export const rateLimitNamespace = (issuer: string): string => createHash('sha256').update(issuer).digest('hex').slice(0, 12);

/** The prefix of every counter key of a namespace (Redis keys, or the rate_limits table's). */
export const rateLimitKeyPrefix = (namespace: string): string => `portico:rl:${namespace}:`;

/**
 * rate-limiter-flexible's RateLimiterPostgres only needs `query({ text, values })` returning
 * `{ rows }`: Kysely's executeQuery gives that on PostgreSQL and on PGlite alike, so the
 * embedded default and a Redis-less deployment share one atomic upsert (INSERT .. ON CONFLICT).
 */
function kyselyStoreClient(db: Db) {
  return { query: (q: { text: string; values?: unknown[] }) => db.executeQuery(CompiledQuery.raw(q.text, q.values ?? [])) };
}

function limiter(stores: Stores, name: string, window: Window): RateLimiterAbstract {
  const options = { keyPrefix: `${rateLimitKeyPrefix(stores.namespace)}${name}`, points: window.points, duration: window.duration_seconds };
  if (stores.redis) return new RateLimiterRedis({ ...options, storeClient: stores.redis, rejectIfRedisNotReady: true });
  return new RateLimiterPostgres({ ...options, storeClient: kyselyStoreClient(stores.db), storeType: 'client', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: true });
}

/** Keys never hold an address or username in the clear. */
function keyOf(value: string): string {
  return createHash('sha256').update(value.normalize('NFKC').toLowerCase()).digest('base64url').slice(0, 22);
}

/** Consumes one point from each limiter; a refusal becomes TooManyAttempts, a store error is rethrown (503). */
async function consumeAll(entries: Array<[RateLimiterAbstract, string]>): Promise<void> {
  const results = await Promise.allSettled(entries.map(([l, key]) => l.consume(key)));
  const refusals = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
  const failure = refusals.find((reason) => !(reason instanceof RateLimiterRes));
  if (failure) throw failure;
  if (refusals.length === 0) return;
  const waitMs = Math.max(...refusals.map((r) => (r as RateLimiterRes).msBeforeNext));
  throw new TooManyAttempts(Math.max(1, Math.ceil(waitMs / 1000)));
}

/** The limits: per IP and per account on each hosted action, per client on /token. */
export class RateLimits {
  readonly #byAction = new Map<RateLimitedAction, { ip?: RateLimiterAbstract; account?: RateLimiterAbstract }>();
  readonly #token?: RateLimiterAbstract;

  constructor(policy: RateLimitsPolicy, stores: Stores) {
    for (const action of ['sign_in', 'codes', 'registration', 'recovery', 'legacy_link'] as const) {
      const { per_ip, per_account } = policy[action];
      this.#byAction.set(action, {
        ip: per_ip.points > 0 ? limiter(stores, `${action}:ip`, per_ip) : undefined,
        account: per_account.points > 0 ? limiter(stores, `${action}:acct`, per_account) : undefined,
      });
    }
    if (policy.token.per_client.points > 0) this.#token = limiter(stores, 'token:client', policy.token.per_client);
  }

  /** One attempt at `action` from `ip`, about `account` (username or email typed, or an account id). */
  async attempt(action: RateLimitedAction, ip: string, account?: string): Promise<void> {
    const { ip: byIp, account: byAccount } = this.#byAction.get(action)!;
    const entries: Array<[RateLimiterAbstract, string]> = [];
    if (byIp) entries.push([byIp, keyOf(ip)]);
    if (byAccount && account) entries.push([byAccount, keyOf(account)]);
    await consumeAll(entries);
  }

  /**
   * One more attempt against `account` alone, once it is known after the fact (a passkey's
   * answer names its account only when checked): its IP was counted when the attempt began.
   */
  async attemptOnAccount(action: RateLimitedAction, account: string): Promise<void> {
    const byAccount = this.#byAction.get(action)!.account;
    if (byAccount) await consumeAll([[byAccount, keyOf(account)]]);
  }

  /** Whether /token is limited at all: when it is not, nobody needs to read the client id. */
  get limitsTokens(): boolean {
    return this.#token !== undefined;
  }

  /**
   * One token request by `clientId` from `ip`. Keyed by both, so a stranger who knows a
   * portal's client_id cannot spend that portal's allowance from another address.
   */
  async tokenRequest(clientId: string, ip: string): Promise<void> {
    if (this.#token) await consumeAll([[this.#token, keyOf(`${clientId}\n${ip}`)]]);
  }
}
