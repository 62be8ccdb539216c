import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAdapterFactory } from '../../src/oidc/adapters/index.js';
import { createRedisAdapterFactory } from '../../src/oidc/adapters/redis.js';
import { hashModelId, purgeExpiredModels } from '../../src/oidc/adapters/sql.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrator.js';
import { describeAdapterContract, PAST_SHORT_TTL_MS, RUN, sleep, unique } from '../support/adapter-contract.js';
import { startPostgres, startRedis, type RunningService } from '../support/servers.js';

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
