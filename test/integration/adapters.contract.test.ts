import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAdapterFactory, type AdapterFactory } from '../../src/oidc/adapters/index.js';
import { createRedisAdapterFactory } from '../../src/oidc/adapters/redis.js';
import { hashModelId, purgeExpiredModels } from '../../src/oidc/adapters/sql.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrator.js';
import { startPostgres, startRedis, type RunningService } from '../support/servers.js';

// Every id, grant, uid and user code of this run starts with RUN, so that against a shared
// DATABASE_URL or REDIS_URL the suite touches (and cleans up) only its own data.
const RUN = `adapters-test-${randomUUID()}`;
const unique = (label: string) => `${RUN}-${label}-${randomUUID()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Expiry tests use a 1 s TTL and wait this long, enough for Redis and the database clock. */
const PAST_SHORT_TTL_MS = 1600;

/** The behaviour oidc-provider relies on (docs/README.md "adapter", example/my_adapter.js). */
function describeAdapterContract(name: string, makeFactory: () => AdapterFactory) {
  describe(`${name}: adapter contract`, () => {
    const adapter = (model: string) => makeFactory()(model);

    it('finds what was upserted, per model', async () => {
      const id = unique('session');
      const payload = { accountId: 'acc-1', loginTs: 1700000000, authorizations: { app: { sid: 's1' } } };
      await adapter('Session').upsert(id, payload, 60);
      expect(await adapter('Session').find(id)).toEqual(payload);
      // Models are separate namespaces: the same id under another model is not found.
      expect(await adapter('Interaction').find(id)).toBeUndefined();
    });

    it('finds the sessions and grants of one account, and no longer once destroyed', async () => {
      const [account, other] = [unique('account'), unique('account')];
      const [s1, s2, s3, g1] = [unique('session'), unique('session'), unique('session'), unique('grant')];
      await adapter('Session').upsert(s1, { jti: s1, accountId: account, authorizations: { app: { sid: 'x' } } }, 60);
      await adapter('Session').upsert(s2, { jti: s2, accountId: account }, 60);
      await adapter('Session').upsert(s3, { jti: s3, accountId: other }, 60);
      await adapter('Grant').upsert(g1, { jti: g1, accountId: account, clientId: 'app' }, 60);
      await adapter('AccessToken').upsert(unique('at'), { accountId: account, grantId: g1 }, 60);
      const ids = async (model: string, id: string) => (await adapter(model).findByAccount(id)).map((p) => p.jti).sort();
      expect(await ids('Session', account)).toEqual([s1, s2].sort());
      expect(await ids('Session', other)).toEqual([s3]);
      expect(await ids('Grant', account)).toEqual([g1]);
      // Only sessions and grants are indexed by account.
      expect(await adapter('AccessToken').findByAccount(account)).toEqual([]);
      await adapter('Session').destroy(s1);
      expect(await ids('Session', account)).toEqual([s2]);
      await adapter('Session').forgetAccount(account);
      expect(await ids('Session', account)).toEqual([]);
      expect(await ids('Session', other)).toEqual([s3]);
    });

    it('returns undefined for an unknown id, uid or user code', async () => {
      expect(await adapter('AccessToken').find(unique('nothing'))).toBeUndefined();
      expect(await adapter('Session').findByUid(unique('nothing'))).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode(unique('nothing'))).toBeUndefined();
    });

    it('replaces the payload on a second upsert', async () => {
      const id = unique('session');
      const [oldUid, newUid] = [unique('uid'), unique('uid')];
      await adapter('Session').upsert(id, { uid: oldUid, accountId: 'a', amr: ['pwd'] }, 60);
      await adapter('Session').upsert(id, { uid: newUid, accountId: 'b' }, 60);
      expect(await adapter('Session').find(id)).toEqual({ uid: newUid, accountId: 'b' });
      expect(await adapter('Session').findByUid(newUid)).toEqual({ uid: newUid, accountId: 'b' });
      expect(await adapter('Session').findByUid(oldUid)).toBeUndefined();
    });

    it('stores without expiry when expiresIn is missing, zero, negative or NaN', async () => {
      const cases = [undefined, 0, -5, Number.NaN, Number.POSITIVE_INFINITY];
      const ids = cases.map(() => unique('code'));
      await Promise.all(cases.map((ttl, i) => adapter('AuthorizationCode').upsert(ids[i]!, { n: i }, ttl)));
      for (const [i, id] of ids.entries()) {
        expect(await adapter('AuthorizationCode').find(id)).toEqual({ n: i });
      }
    });

    it('forgets a payload, its uid and its user code once expiresIn has passed', async () => {
      const [short, long] = [unique('device'), unique('device')];
      const [shortCode, shortUid] = [unique('code'), unique('uid')];
      await adapter('DeviceCode').upsert(short, { userCode: shortCode, uid: shortUid }, 1);
      await adapter('DeviceCode').upsert(long, { userCode: unique('code') }, 60);
      expect(await adapter('DeviceCode').find(short)).toBeDefined();
      await sleep(PAST_SHORT_TTL_MS);
      expect(await adapter('DeviceCode').find(short)).toBeUndefined();
      expect(await adapter('DeviceCode').findByUserCode(shortCode)).toBeUndefined();
      expect(await adapter('DeviceCode').findByUid(shortUid)).toBeUndefined();
      expect(await adapter('DeviceCode').find(long)).toBeDefined();
    });

    it('takes the expiry of the latest upsert', async () => {
      const [extended, persisted] = [unique('session'), unique('session')];
      await adapter('Session').upsert(extended, { v: 1 }, 1);
      await adapter('Session').upsert(persisted, { v: 1 }, 1);
      await adapter('Session').upsert(extended, { v: 2 }, 60);
      await adapter('Session').upsert(persisted, { v: 2 });
      await sleep(PAST_SHORT_TTL_MS);
      expect(await adapter('Session').find(extended)).toEqual({ v: 2 });
      expect(await adapter('Session').find(persisted)).toEqual({ v: 2 });
    });

    it('reports consumed (epoch seconds) after consume', async () => {
      const id = unique('code');
      await adapter('AuthorizationCode').upsert(id, { grantId: unique('grant'), scope: 'openid' }, 60);
      expect((await adapter('AuthorizationCode').find(id))?.consumed).toBeUndefined();
      const before = nowSeconds();
      await adapter('AuthorizationCode').consume(id);
      const found = await adapter('AuthorizationCode').find(id);
      expect(found).toMatchObject({ scope: 'openid' });
      expect(typeof found?.consumed).toBe('number');
      expect(found!.consumed).toBeGreaterThanOrEqual(before - 1);
      expect(found!.consumed).toBeLessThanOrEqual(nowSeconds() + 1);
    });

    it('consumes every consumable model, PushedAuthorizationRequest included', async () => {
      for (const model of ['RefreshToken', 'PushedAuthorizationRequest', 'BackchannelAuthenticationRequest']) {
        const id = unique('consumable');
        await adapter(model).upsert(id, { model }, 60);
        await adapter(model).consume(id);
        expect((await adapter(model).find(id))?.consumed, model).toEqual(expect.any(Number));
      }
    });

    it('does not bring an unknown id into being by consuming it', async () => {
      const id = unique('code');
      await adapter('AuthorizationCode').consume(id);
      expect(await adapter('AuthorizationCode').find(id)).toBeUndefined();
    });

    it('destroys one payload and nothing else', async () => {
      const [gone, kept] = [unique('token'), unique('token')];
      await adapter('AccessToken').upsert(gone, { accountId: 'a' }, 60);
      await adapter('AccessToken').upsert(kept, { accountId: 'b' }, 60);
      await adapter('AccessToken').destroy(gone);
      expect(await adapter('AccessToken').find(gone)).toBeUndefined();
      expect(await adapter('AccessToken').find(kept)).toEqual({ accountId: 'b' });
    });

    it('revokes every token of a grant, across models, and no other grant', async () => {
      const [grant, other] = [unique('grant'), unique('grant')];
      const at = unique('at');
      const rt = unique('rt');
      const code = unique('code');
      const otherAt = unique('at');
      await adapter('AccessToken').upsert(at, { grantId: grant }, 60);
      await adapter('RefreshToken').upsert(rt, { grantId: grant }, 3600);
      await adapter('AuthorizationCode').upsert(code, { grantId: grant }, 60);
      await adapter('AccessToken').upsert(otherAt, { grantId: other }, 60);

      await adapter('RefreshToken').revokeByGrantId(grant);

      expect(await adapter('AccessToken').find(at)).toBeUndefined();
      expect(await adapter('RefreshToken').find(rt)).toBeUndefined();
      expect(await adapter('AuthorizationCode').find(code)).toBeUndefined();
      expect(await adapter('AccessToken').find(otherAt)).toEqual({ grantId: other });
    });

    it('revokes a grant whose longest-lived token was indexed before a short-lived one', async () => {
      const grant = unique('grant');
      const [rt, at] = [unique('rt'), unique('at')];
      await adapter('RefreshToken').upsert(rt, { grantId: grant }, 60);
      await adapter('AccessToken').upsert(at, { grantId: grant }, 1);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await adapter('RefreshToken').find(rt)).toBeDefined();
      await adapter('AccessToken').revokeByGrantId(grant);
      expect(await adapter('RefreshToken').find(rt)).toBeUndefined();
    });

    it('leaves models that are not grant tokens when revoking (as oidc-provider expects)', async () => {
      const grant = unique('grant');
      const interaction = unique('interaction');
      await adapter('Interaction').upsert(interaction, { grantId: grant, returnTo: '/auth/x' }, 60);
      await adapter('AccessToken').upsert(unique('at'), { grantId: grant }, 60);
      await adapter('AccessToken').revokeByGrantId(grant);
      expect(await adapter('Interaction').find(interaction)).toEqual({ grantId: grant, returnTo: '/auth/x' });
    });

    it('finds a session by uid, within its model only', async () => {
      const [id, uid] = [unique('session'), unique('uid')];
      await adapter('Session').upsert(id, { uid, accountId: 'acc-2' }, 60);
      expect(await adapter('Session').findByUid(uid)).toEqual({ uid, accountId: 'acc-2' });
      expect(await adapter('Interaction').findByUid(uid)).toBeUndefined();
      await adapter('Session').destroy(id);
      expect(await adapter('Session').findByUid(uid)).toBeUndefined();
    });

    it('finds a device code by user code, consumed mark included', async () => {
      const [id, userCode] = [unique('device'), unique('USER')];
      await adapter('DeviceCode').upsert(id, { userCode, grantId: unique('grant') }, 60);
      expect(await adapter('DeviceCode').findByUserCode(userCode)).toMatchObject({ userCode });
      await adapter('DeviceCode').consume(id);
      expect((await adapter('DeviceCode').findByUserCode(userCode))?.consumed).toEqual(expect.any(Number));
    });
  });
}

// ------------------------------------------------------------------------------ SQL backends

async function openMigrated(databaseUrl?: string): Promise<DatabaseHandle> {
  const handle = await openDatabase({ databaseUrl, dataDir: 'memory://' });
  await migrateToLatest(handle.db);
  return handle;
}

function describeSqlBackend(name: string, open: () => Promise<{ handle: DatabaseHandle; stop(): Promise<void> }>) {
  describe(name, () => {
    let handle: DatabaseHandle;
    let stop: () => Promise<void> = async () => {};
    beforeAll(async () => {
      ({ handle, stop } = await open());
    });
    afterAll(async () => {
      await handle?.db.deleteFrom('oidc_models').where('id', 'like', `${RUN}%`).execute();
      await stop();
    });

    describeAdapterContract(`SQL adapter on ${name}`, () => createAdapterFactory({ db: handle.db }));

    it('purgeExpiredModels deletes expired rows and only those', async () => {
      const factory = createAdapterFactory({ db: handle.db });
      const [expired, live, forever] = [unique('at'), unique('at'), unique('at')];
      await factory('AccessToken').upsert(expired, {}, 1);
      await factory('AccessToken').upsert(live, {}, 60);
      await factory('AccessToken').upsert(forever, {});
      await sleep(PAST_SHORT_TTL_MS);
      expect(await purgeExpiredModels(handle.db)).toBeGreaterThanOrEqual(1);
      const ids = await handle.db
        .selectFrom('oidc_models')
        .select('id')
        .where('id', 'in', [expired, live, forever].map(hashModelId))
        .execute();
      expect(ids.map((row) => row.id).sort()).toEqual([live, forever].map(hashModelId).sort());
    });

    it('keeps indexed columns in step with the payload', async () => {
      const factory = createAdapterFactory({ db: handle.db });
      const [id, grant] = [unique('rt'), unique('grant')];
      await factory('RefreshToken').upsert(id, { grantId: grant, uid: 'u' }, 60);
      // Stored under hashes of the id and uid (bearer values), the grant id as it is (revokeByGrantId).
      const row = await handle.db.selectFrom('oidc_models').selectAll().where('id', '=', hashModelId(id)).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ model: 'RefreshToken', grant_id: grant, uid: hashModelId('u'), user_code: null, consumed_at: null });
      expect(row.expires_at!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    });
  });
}

describeSqlBackend('PGlite (in memory)', async () => ({ handle: await openMigrated(), stop: async () => {} }));

describeSqlBackend('PostgreSQL', async () => {
  const server: RunningService | undefined = process.env.DATABASE_URL ? undefined : await startPostgres();
  const handle = await openMigrated(process.env.DATABASE_URL ?? server!.url);
  return {
    handle,
    stop: async () => {
      await handle.close();
      await server?.stop();
    },
  };
});

// ------------------------------------------------------------------------------ Redis backend

describe('Redis', () => {
  const prefix = `${RUN}:`;
  let server: RunningService | undefined;
  let redis: Redis;
  beforeAll(async () => {
    if (!process.env.REDIS_URL) server = await startRedis();
    redis = new Redis(process.env.REDIS_URL ?? server!.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    if (redis) {
      // On a shared REDIS_URL delete only this run's keys.
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
    await server?.stop();
  });

  describeAdapterContract('Redis adapter', () => createRedisAdapterFactory(redis, { prefix }));

  it('keys every model under the prefix with a TTL from expiresIn, and none without one', async () => {
    const factory = createRedisAdapterFactory(redis, { prefix });
    const [timed, untimed, grant] = [unique('at'), unique('at'), unique('grant')];
    await factory('AccessToken').upsert(timed, { grantId: grant }, 60);
    await factory('AccessToken').upsert(untimed, { accountId: 'x' }, Number.NaN);
    const ttl = await redis.pttl(`${prefix}AccessToken:${timed}`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await redis.pttl(`${prefix}AccessToken:${untimed}`)).toBe(-1);
    expect(await redis.smembers(`${prefix}grant:${grant}`)).toEqual([`${prefix}AccessToken:${timed}`]);
  });

  it('leaves no key behind when consuming an unknown id', async () => {
    const id = unique('code');
    await createRedisAdapterFactory(redis, { prefix })('AuthorizationCode').consume(id);
    expect(await redis.exists(`${prefix}AuthorizationCode:${id}`)).toBe(0);
  });

  it('extends the grant index TTL to its longest member and never shortens it', async () => {
    const factory = createRedisAdapterFactory(redis, { prefix });
    const grant = unique('grant');
    await factory('AccessToken').upsert(unique('at'), { grantId: grant }, 60);
    await factory('RefreshToken').upsert(unique('rt'), { grantId: grant }, 600);
    await factory('AccessToken').upsert(unique('at'), { grantId: grant }, 30);
    expect(await redis.pttl(`${prefix}grant:${grant}`)).toBeGreaterThan(590_000);
  });

  it('reads a token and its grant in one round trip, and finds the grant as it is then', async () => {
    const factory = createRedisAdapterFactory(redis, { prefix });
    const [token, grant] = [unique('at'), unique('grant')];
    await factory('Grant').upsert(grant, { accountId: 'acc', clientId: 'portal' }, 60);
    await factory('AccessToken').upsert(token, { grantId: grant, accountId: 'acc' }, 60);
    const sent = vi.spyOn(redis, 'sendCommand');
    try {
      const found = await factory('AccessToken').find(token);
      expect(await factory('Grant').find(found!.grantId!)).toEqual({ accountId: 'acc', clientId: 'portal' });
      expect(sent).toHaveBeenCalledTimes(1);
    } finally {
      sent.mockRestore();
    }
  });

  it('never answers from a prefetched grant that this process has changed or that is older than a turn of the event loop', async () => {
    const factory = createRedisAdapterFactory(redis, { prefix });
    const [token, grant] = [unique('rt'), unique('grant')];
    await factory('Grant').upsert(grant, { scope: 'openid' }, 60);
    await factory('RefreshToken').upsert(token, { grantId: grant }, 60);
    await factory('RefreshToken').find(token);
    await factory('Grant').upsert(grant, { scope: 'openid email' }, 60);
    expect(await factory('Grant').find(grant)).toEqual({ scope: 'openid email' });

    await factory('RefreshToken').find(token);
    await factory('Grant').destroy(grant);
    expect(await factory('Grant').find(grant)).toBeUndefined();

    await factory('Grant').upsert(grant, { scope: 'openid' }, 60);
    await factory('RefreshToken').find(token);
    // Another process changes it; once the loop has turned, the change is seen.
    await redis.hset(`${prefix}Grant:${grant}`, 'payload', JSON.stringify({ scope: 'profile' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await factory('Grant').find(grant)).toEqual({ scope: 'profile' });
  });

  it('is what createAdapterFactory picks when a Redis client is given', async () => {
    const database = await openMigrated();
    try {
      const id = unique('session');
      await createAdapterFactory({ db: database.db, redis }, { prefix })('Session').upsert(id, { a: 1 }, 60);
      expect(await redis.exists(`${prefix}Session:${id}`)).toBe(1);
      expect(await database.db.selectFrom('oidc_models').select('id').execute()).toEqual([]);
    } finally {
      await database.close();
    }
  });
});
