import type { Redis } from 'ioredis';
import { GrantPrefetch } from './grant-prefetch.js';
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
 * Every operation is one Lua script (EVALSHA), so one round trip and atomic, where the example
 * sends several commands in MULTI: a token endpoint request makes several of these calls, and
 * with one round trip each, ioredis's auto-pipelining can batch those of concurrent requests.
 * A token's hash also keeps its grantId, so finding the token reads its Grant in the same
 * script (grant-prefetch.ts).
 */

export const DEFAULT_REDIS_PREFIX = 'portico:oidc:';

const scripts = {
  // KEYS: model key, grant index set, uid lookup, userCode lookup, account index set ('' = none).
  // ARGV: payload JSON, TTL in ms (0 = none), id, grantId ('' = none). An index set must
  // outlive its longest-lived member, else revokeByGrantId or findByAccount would miss it.
  porticoUpsert: {
    numberOfKeys: 5,
    lua: `
local ttl = tonumber(ARGV[2])
local function index(set)
  if set == '' then return end
  local existed = redis.call('EXISTS', set)
  redis.call('SADD', set, KEYS[1])
  if ttl <= 0 then
    redis.call('PERSIST', set)
  elseif existed == 0 then
    redis.call('PEXPIRE', set, ttl)
  else
    local current = redis.call('PTTL', set)
    if current >= 0 and current < ttl then redis.call('PEXPIRE', set, ttl) end
  end
end
redis.call('HSET', KEYS[1], 'payload', ARGV[1])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'grantId', ARGV[4]) end
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
index(KEYS[2])
index(KEYS[5])
for i = 3, 4 do
  if KEYS[i] ~= '' then
    if ttl > 0 then redis.call('SET', KEYS[i], ARGV[3], 'PX', ttl) else redis.call('SET', KEYS[i], ARGV[3]) end
  end
end
return 1`,
  },
  // KEYS[1] model key; ARGV[1] epoch seconds. Marks only what exists.
  porticoConsume: {
    numberOfKeys: 1,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'consumed', ARGV[1])
return 1`,
  },
  // KEYS[1] token key; ARGV[1] Grant key prefix. The token's fields, then its grant's ({} if
  // the token has no grantId field, as tokens saved before it was kept there).
  porticoFindWithGrant: {
    numberOfKeys: 1,
    lua: `
local grantId = redis.call('HGET', KEYS[1], 'grantId')
local token = redis.call('HGETALL', KEYS[1])
if not grantId then return {token} end
return {token, redis.call('HGETALL', ARGV[1] .. grantId), grantId}`,
  },
  // KEYS[1] lookup key; ARGV[1] model key prefix. The payload the lookup points to, if any.
  // That key is only known inside the script: fine on one Redis (as MULTI was), not on Cluster.
  porticoFindByLookup: {
    numberOfKeys: 1,
    lua: `
local id = redis.call('GET', KEYS[1])
if not id then return {} end
return redis.call('HGETALL', ARGV[1] .. id)`,
  },
  // KEYS[1] grant index set. A script runs alone, so no token can be indexed between the read
  // and the deletes (the reason the MULTI version removed members one by one).
  porticoRevokeGrant: {
    numberOfKeys: 1,
    lua: `
local members = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(members) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #members`,
  },
};

interface ScriptCommands {
  porticoUpsert(key: string, grantKey: string, uidKey: string, userCodeKey: string, accountKey: string, payload: string, ttlMs: number, id: string, grantId: string): Promise<number>;
  porticoFindWithGrant(key: string, grantPrefix: string): Promise<[string[], string[]?, string?]>;
  porticoConsume(key: string, epochSeconds: number): Promise<number>;
  porticoFindByLookup(lookupKey: string, modelPrefix: string): Promise<string[]>;
  porticoRevokeGrant(grantKey: string): Promise<number>;
}

/** Registers the scripts once per client: ioredis sends EVALSHA, and the script only on NOSCRIPT. */
function withScripts(redis: Redis): Redis & ScriptCommands {
  const scripted = redis as Redis & Partial<ScriptCommands>;
  if (!scripted.porticoUpsert) for (const [name, definition] of Object.entries(scripts)) redis.defineCommand(name, definition);
  return scripted as Redis & ScriptCommands;
}

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
  private readonly redis: Redis & ScriptCommands;

  constructor(
    private readonly name: string,
    redis: Redis,
    private readonly prefix: string = DEFAULT_REDIS_PREFIX,
    private readonly grants = new GrantPrefetch(),
  ) {
    this.redis = withScripts(redis);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const seconds = ttlSeconds(expiresIn);
    const ttlMs = seconds === undefined ? 0 : Math.max(1, Math.round(seconds * 1000));
    const grantId = stringField(payload.grantId);
    const grantable = grantId !== null && grantableModels.has(this.name);
    const uid = stringField(payload.uid);
    const userCode = stringField(payload.userCode);
    const accountId = accountModels.has(this.name) ? stringField(payload.accountId) : null;
    this.dropPrefetched(id);
    // HSET keeps a `consumed` mark across re-saves, as the reference adapter does.
    await this.redis.porticoUpsert(
      this.key(id),
      grantable ? this.grantKey(grantId) : '',
      uid ? this.lookupKey('uid', uid) : '',
      userCode ? this.lookupKey('userCode', userCode) : '',
      accountId ? this.accountKey(accountId) : '',
      JSON.stringify(payload),
      ttlMs,
      id,
      grantable ? grantId : '',
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.name === 'Grant') {
      const prefetched = this.grants.take(id);
      if (prefetched) return decode(prefetched);
    }
    if (!grantableModels.has(this.name)) return decode(await this.redis.hgetall(this.key(id)));
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
    await this.redis.porticoRevokeGrant(this.grantKey(grantId));
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
    const payload = decode(fromPairs(await this.redis.porticoFindByLookup(this.lookupKey(field, value), this.key(''))));
    // A re-saved payload may have moved to another uid/userCode; the old lookup key is stale.
    return payload?.[field] === value ? payload : undefined;
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

export function createRedisAdapterFactory(redis: Redis, options: { prefix?: string } = {}): AdapterFactory {
  const grants = new GrantPrefetch();
  return (name) => new RedisAdapter(name, redis, options.prefix, grants);
}
