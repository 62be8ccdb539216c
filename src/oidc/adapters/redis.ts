import type { ChainableCommander, Redis } from 'ioredis';
import {
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
 * - the grant index is a set whose TTL only ever grows, in the same round trip (a script);
 * - `consume` of a missing key does not create a payload-less, never-expiring hash.
 */

export const DEFAULT_REDIS_PREFIX = 'portico:oidc:';

// KEYS[1] grant index set; ARGV[1] member key; ARGV[2] member TTL in ms, 0 = none.
// The set must outlive its longest-lived member, else revokeByGrantId would miss that member.
const INDEX_GRANT = `
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
if ttl <= 0 then
  redis.call('PERSIST', KEYS[1])
elseif existed == 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  local current = redis.call('PTTL', KEYS[1])
  if current >= 0 and current < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return 1`;

// KEYS[1] model key; ARGV[1] epoch seconds. Marks only what exists.
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'consumed', ARGV[1])
return 1`;

/** MULTI/EXEC reports per-command errors in its result rather than rejecting. */
async function execAll(multi: ChainableCommander): Promise<void> {
  const results = await multi.exec();
  if (!results) throw new Error('Redis transaction was aborted');
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
}

function setWithTtl(multi: ChainableCommander, key: string, value: string, ttlMs: number | undefined): void {
  if (ttlMs === undefined) multi.set(key, value);
  else multi.set(key, value, 'PX', ttlMs);
}

function decode(data: Record<string, string>): AdapterPayload | undefined {
  if (data.payload === undefined) return undefined;
  const payload = JSON.parse(data.payload) as AdapterPayload;
  return data.consumed === undefined ? payload : { ...payload, consumed: Number(data.consumed) };
}

export class RedisAdapter implements Adapter {
  constructor(
    private readonly name: string,
    private readonly redis: Redis,
    private readonly prefix: string = DEFAULT_REDIS_PREFIX,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    const seconds = ttlSeconds(expiresIn);
    const ttlMs = seconds === undefined ? undefined : Math.max(1, Math.round(seconds * 1000));
    const multi = this.redis.multi();
    // HSET keeps a `consumed` mark across re-saves, as the reference adapter does.
    multi.hset(key, 'payload', JSON.stringify(payload));
    if (ttlMs === undefined) multi.persist(key);
    else multi.pexpire(key, ttlMs);
    const grantId = stringField(payload.grantId);
    if (grantId && grantableModels.has(this.name)) {
      multi.eval(INDEX_GRANT, 1, this.grantKey(grantId), key, ttlMs ?? 0);
    }
    const uid = stringField(payload.uid);
    if (uid) setWithTtl(multi, this.lookupKey('uid', uid), id, ttlMs);
    const userCode = stringField(payload.userCode);
    if (userCode) setWithTtl(multi, this.lookupKey('userCode', userCode), id, ttlMs);
    await execAll(multi);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return decode(await this.redis.hgetall(this.key(id)));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findByLookup('uid', uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findByLookup('userCode', userCode);
  }

  async consume(id: string): Promise<void> {
    await this.redis.eval(CONSUME, 1, this.key(id), Math.floor(Date.now() / 1000));
  }

  async destroy(id: string): Promise<void> {
    // Lookup keys and grant index entries left behind expire with the payload they pointed to.
    await this.redis.del(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = this.grantKey(grantId);
    const members = await this.redis.smembers(grantKey);
    if (members.length === 0) return;
    // SREM rather than DEL of the index: a token indexed since SMEMBERS stays revocable.
    await execAll(this.redis.multi().del(...members).srem(grantKey, ...members));
  }

  private async findByLookup(field: 'uid' | 'userCode', value: string): Promise<AdapterPayload | undefined> {
    const id = await this.redis.get(this.lookupKey(field, value));
    if (!id) return undefined;
    const payload = await this.find(id);
    // A re-saved payload may have moved to another uid/userCode; the old lookup key is stale.
    return payload?.[field] === value ? payload : undefined;
  }

  private key(id: string): string {
    return `${this.prefix}${this.name}:${id}`;
  }

  private lookupKey(field: 'uid' | 'userCode', value: string): string {
    return `${this.prefix}${field}:${this.name}:${value}`;
  }

  private grantKey(grantId: string): string {
    return `${this.prefix}grant:${grantId}`;
  }
}

export function createRedisAdapterFactory(redis: Redis, options: { prefix?: string } = {}): AdapterFactory {
  return (name) => new RedisAdapter(name, redis, options.prefix);
}
