import type { RedisClient } from '../../storage/redis.js';

/*
 * The adapter's Lua scripts. Each one is a single round trip and atomic. On one Redis (direct or
 * found through Sentinel) a script may touch keys it derives itself, as MULTI could; on a
 * Redis Cluster a script may only touch keys in one hash slot, so the adapter there uses only
 * the scripts marked "one key" and makes the other steps separate calls (redis.ts says how).
 * Key names are the same either way, so data moves between the two without renaming.
 */

/** The payload hash of a model: { payload, grantId?, consumed? }; HSET keeps a `consumed` mark. */
const SAVE = `
local function save(key, payload, ttl, grantId)
  redis.call('HSET', key, 'payload', payload)
  if grantId ~= '' then redis.call('HSET', key, 'grantId', grantId) end
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('PERSIST', key) end
end`;

/**
 * An index set (a grant's tokens, an account's sessions and grants) gains a member. The set must
 * outlive its longest-lived member, else revokeByGrantId or findByAccount would miss that
 * member: its TTL only ever grows.
 */
const INDEX = `
local function index(set, member, ttl)
  local existed = redis.call('EXISTS', set)
  redis.call('SADD', set, member)
  if ttl <= 0 then
    redis.call('PERSIST', set)
  elseif existed == 0 then
    redis.call('PEXPIRE', set, ttl)
  else
    local current = redis.call('PTTL', set)
    if current >= 0 and current < ttl then redis.call('PEXPIRE', set, ttl) end
  end
end`;

export const scripts = {
  // KEYS: model key, grant index set, uid lookup, userCode lookup, account index set ('' = none).
  // ARGV: payload JSON, TTL in ms (0 = none), id, grantId ('' = none).
  porticoUpsert: {
    numberOfKeys: 5,
    lua: `${SAVE}${INDEX}
local ttl = tonumber(ARGV[2])
save(KEYS[1], ARGV[1], ttl, ARGV[4])
if KEYS[2] ~= '' then index(KEYS[2], KEYS[1], ttl) end
if KEYS[5] ~= '' then index(KEYS[5], KEYS[1], ttl) end
for i = 3, 4 do
  if KEYS[i] ~= '' then
    if ttl > 0 then redis.call('SET', KEYS[i], ARGV[3], 'PX', ttl) else redis.call('SET', KEYS[i], ARGV[3]) end
  end
end
return 1`,
  },
  // One key. KEYS[1] model key; ARGV: payload JSON, TTL in ms (0 = none), grantId ('' = none).
  porticoSave: {
    numberOfKeys: 1,
    lua: `${SAVE}
save(KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[3])
return 1`,
  },
  // One key. KEYS[1] an index set; ARGV: member (a model key), its TTL in ms (0 = none).
  porticoIndex: {
    numberOfKeys: 1,
    lua: `${INDEX}
index(KEYS[1], ARGV[1], tonumber(ARGV[2]))
return 1`,
  },
  // One key. KEYS[1] model key; ARGV[1] epoch seconds. Marks only what exists.
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

export interface ScriptCommands {
  porticoUpsert(key: string, grantKey: string, uidKey: string, userCodeKey: string, accountKey: string, payload: string, ttlMs: number, id: string, grantId: string): Promise<number>;
  porticoSave(key: string, payload: string, ttlMs: number, grantId: string): Promise<number>;
  porticoIndex(indexKey: string, member: string, ttlMs: number): Promise<number>;
  porticoConsume(key: string, epochSeconds: number): Promise<number>;
  porticoFindWithGrant(key: string, grantPrefix: string): Promise<[string[], string[]?, string?]>;
  porticoFindByLookup(lookupKey: string, modelPrefix: string): Promise<string[]>;
  porticoRevokeGrant(grantKey: string): Promise<number>;
}

/** Registers the scripts once per client: ioredis sends EVALSHA, and the script only on NOSCRIPT. */
export function withScripts(redis: RedisClient): RedisClient & ScriptCommands {
  const scripted = redis as RedisClient & Partial<ScriptCommands>;
  if (!scripted.porticoSave) for (const [name, definition] of Object.entries(scripts)) redis.defineCommand(name, definition);
  return scripted as RedisClient & ScriptCommands;
}
