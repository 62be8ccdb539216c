import type { RedisClient } from '../../storage/redis.js';
import { GrantPrefetch } from './grant-prefetch.js';
import { withScripts, type ScriptCommands } from './redis-scripts.js';
import {
  accountModels,
  grantableModels,
  stringField,
  ttlSeconds,
  type Adapter,
  type AdapterFactory,
  type AdapterPayload,
} from './types.js';

/*
 * Modelled on oidc-provider's example/adapters/redis.js, with these differences:
 * - every model is a hash { payload, consumed? }. The example keeps only some models in hashes
 *   and its list misses PushedAuthorizationRequest and PreAuthorizedCode, which v9 consumes too;
 *   `consume` on one of those would fail with WRONGTYPE.
 * - expiry is only set for a positive finite expiresIn (the example sends EXPIRE NaN otherwise);
 * - the grant index is a set whose TTL only ever grows, in the same round trip;
 * - `consume` of a missing key does not create a payload-less, never-expiring hash.
 * On one Redis, every operation is one Lua script (EVALSHA), so one round trip and atomic,
 * where the example sends several commands in MULTI: a token endpoint request makes several of
 * these calls, and with one round trip each, ioredis's auto-pipelining can batch those of
 * concurrent requests. A token's hash also keeps its grantId, so finding the token reads its
 * Grant in the same script (grant-prefetch.ts).
 *
 * On a Redis Cluster a script may touch one hash slot only, and the keys an operation needs
 * cannot share one: a token is found by its own id, its uid or user code, and its grant's index
 * by the grant id, none of which can be derived from the others. So there every call touches
 * one key, in an order that is safe if the process stops between two of them (see upsert and
 * revokeByGrantId), and lookups take two round trips. The key names are the same on both.
 */

export const DEFAULT_REDIS_PREFIX = 'portico:oidc:';

function decode(data: Record<string, string>): AdapterPayload | undefined {
  if (data.payload === undefined) return undefined;
  const payload = JSON.parse(data.payload) as AdapterPayload;
  return data.consumed === undefined ? payload : { ...payload, consumed: Number(data.consumed) };
}

/** HGETALL's reply as a script returns it: a flat [field, value, ...] list. */
function fromPairs(list: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) record[list[i]!] = list[i + 1]!;
  return record;
}

export class RedisAdapter implements Adapter {
  private readonly redis: RedisClient & ScriptCommands;
  /** One key per call (Redis Cluster), or one script per operation (one Redis). */
  private readonly oneKeyPerCall: boolean;

  constructor(
    private readonly name: string,
    redis: RedisClient,
    private readonly prefix: string = DEFAULT_REDIS_PREFIX,
    private readonly grants = new GrantPrefetch(),
  ) {
    this.redis = withScripts(redis);
    this.oneKeyPerCall = redis.isCluster;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const seconds = ttlSeconds(expiresIn);
    const ttlMs = seconds === undefined ? 0 : Math.max(1, Math.round(seconds * 1000));
    const grantId = stringField(payload.grantId);
    const grantable = grantId !== null && grantableModels.has(this.name);
    const uid = stringField(payload.uid);
    const userCode = stringField(payload.userCode);
    const accountId = accountModels.has(this.name) ? stringField(payload.accountId) : null;
    const lookups = [uid ? this.lookupKey('uid', uid) : '', userCode ? this.lookupKey('userCode', userCode) : ''];
    const accountIndex = accountId ? this.accountKey(accountId) : '';
    const key = this.key(id);
    const json = JSON.stringify(payload);
    this.dropPrefetched(id);
    if (!this.oneKeyPerCall) {
      await this.redis.porticoUpsert(key, grantable ? this.grantKey(grantId) : '', lookups[0]!, lookups[1]!, accountIndex, json, ttlMs, id, grantable ? grantId : '');
      return;
    }
    // The grant's index first, the token after: stopped in between, the index names a key that
    // does not exist, which is harmless. The other order could leave a live token that no
    // revocation finds. A revocation that runs between the two steps misses this token; that
    // is safe because revocation also destroys the Grant (oidc-provider lib/helpers/revoke.js),
    // and oidc-provider refuses any token whose Grant is gone: validateGrant in
    // lib/helpers/grant_source.js for codes and refresh tokens, lib/shared/access_token.js for
    // access tokens at userinfo, lib/actions/introspection.js for introspection. (Revoking an
    // access token at /token/revocation keeps the Grant; there, as on one Redis, a token issued
    // at the same moment as the revocation may outlive it.)
    // The account's index likewise comes first: findByAccount skips what it names but cannot read.
    await Promise.all([
      grantable ? this.redis.porticoIndex(this.grantKey(grantId), key, ttlMs) : undefined,
      accountIndex ? this.redis.porticoIndex(accountIndex, key, ttlMs) : undefined,
    ]);
    await Promise.all([
      this.redis.porticoSave(key, json, ttlMs, grantable ? grantId : ''),
      // A lookup written before its payload finds nothing yet: findByLookup checks the payload.
      ...lookups.filter(Boolean).map((lookup) => (ttlMs > 0 ? this.redis.set(lookup, id, 'PX', ttlMs) : this.redis.set(lookup, id))),
    ]);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.name === 'Grant') {
      const prefetched = this.grants.take(id);
      if (prefetched) return decode(prefetched);
    }
    // On a cluster the Grant is read when oidc-provider asks for it: the same two round trips.
    if (this.oneKeyPerCall || !grantableModels.has(this.name)) return decode(await this.redis.hgetall(this.key(id)));
    const [token, grant, grantId] = await this.redis.porticoFindWithGrant(this.key(id), this.modelKey('Grant', ''));
    if (grant && grantId) this.grants.put(grantId, fromPairs(grant));
    return decode(fromPairs(token));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findByLookup('uid', uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findByLookup('userCode', userCode);
  }

  async consume(id: string): Promise<void> {
    await this.redis.porticoConsume(this.key(id), Math.floor(Date.now() / 1000));
  }

  async destroy(id: string): Promise<void> {
    this.dropPrefetched(id);
    // Lookup keys and grant index entries left behind expire with the payload they pointed to.
    await this.redis.del(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.grants.drop(grantId);
    if (!this.oneKeyPerCall) {
      await this.redis.porticoRevokeGrant(this.grantKey(grantId));
      return;
    }
    // The tokens first (each in its own slot; auto-pipelining sends them together), then the
    // index forgets them: stopped in between, the index still names them for the next try, and
    // a token indexed meanwhile stays indexed. One indexed and written across the read is missed,
    // as upsert explains.
    const index = this.grantKey(grantId);
    const members = await this.redis.smembers(index);
    await Promise.all(members.map((member) => this.redis.del(member)));
    if (members.length > 0) await this.redis.srem(index, ...members);
  }

  async findByAccount(accountId: string): Promise<AdapterPayload[]> {
    if (!accountModels.has(this.name)) return [];
    // The set holds every indexed model of the account; members that expired are skipped.
    const keys = (await this.redis.smembers(this.accountKey(accountId))).filter((key) => key.startsWith(this.key('')));
    const found = await Promise.all(keys.map(async (key) => decode(await this.redis.hgetall(key))));
    return found.filter((p): p is AdapterPayload => p?.accountId === accountId);
  }

  async forgetAccount(accountId: string): Promise<void> {
    await this.redis.del(this.accountKey(accountId));
  }

  /** A Grant written by this process must not then be read from what was prefetched before. */
  private dropPrefetched(id: string): void {
    if (this.name === 'Grant') this.grants.drop(id);
  }

  private async findByLookup(field: 'uid' | 'userCode', value: string): Promise<AdapterPayload | undefined> {
    const payload = decode(await this.readByLookup(this.lookupKey(field, value)));
    // A re-saved payload may have moved to another uid/userCode; the old lookup key is stale.
    return payload?.[field] === value ? payload : undefined;
  }

  /** The hash a lookup key points to: in one script, or (cluster) the lookup, then the hash. */
  private async readByLookup(lookup: string): Promise<Record<string, string>> {
    if (!this.oneKeyPerCall) return fromPairs(await this.redis.porticoFindByLookup(lookup, this.key('')));
    const id = await this.redis.get(lookup);
    return id === null ? {} : this.redis.hgetall(this.key(id));
  }

  private key(id: string): string {
    return this.modelKey(this.name, id);
  }

  private modelKey(name: string, id: string): string {
    return `${this.prefix}${name}:${id}`;
  }

  private lookupKey(field: 'uid' | 'userCode', value: string): string {
    return `${this.prefix}${field}:${this.name}:${value}`;
  }

  private accountKey(accountId: string): string {
    return `${this.prefix}account:${accountId}`;
  }

  private grantKey(grantId: string): string {
    return `${this.prefix}grant:${grantId}`;
  }
}

export function createRedisAdapterFactory(redis: RedisClient, options: { prefix?: string } = {}): AdapterFactory {
  const grants = new GrantPrefetch();
  return (name) => new RedisAdapter(name, redis, options.prefix, grants);
}
