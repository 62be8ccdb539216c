import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostPorts } from '../../src/config/redis-target.js';
import { createRedisAdapterFactory } from '../../src/oidc/adapters/redis.js';
import { openRedis } from '../../src/storage/redis.js';
import { describeAdapterContract, RUN, unique } from '../support/adapter-contract.js';
import { clients, startPortico, type TestPortico } from '../support/portico.js';
import { startRedisCluster, type RedisClusterService } from '../support/redis-groups.js';
import { oidc, RelyingParty } from '../support/rp.js';

/*
 * Portico on a Redis Cluster of three primaries and three replicas, started here from
 * redis-server whatever REDIS_URL says (CI runs this file once, in its PostgreSQL + Redis
 * pass: vitest.config.ts). Keys are spread over the slots of all three primaries, so any call
 * that touched two slots would fail with CROSSSLOT.
 */

let cluster: RedisClusterService;
let redis: Cluster;
const prefix = `${RUN}:`;

beforeAll(async () => {
  cluster = await startRedisCluster();
  redis = openRedis({ kind: 'cluster', nodes: parseHostPorts('REDIS_CLUSTER_NODES', cluster.nodes) }) as Cluster;
});
afterAll(async () => {
  await redis?.quit().catch(() => redis.disconnect());
  await cluster?.stop();
});

describeAdapterContract('Redis adapter on a Redis Cluster', () => createRedisAdapterFactory(redis, { prefix }));

describe('Redis adapter on a Redis Cluster: keys', () => {
  it('keeps the key names of one Redis, so data moves between the two without renaming', async () => {
    const factory = createRedisAdapterFactory(redis, { prefix });
    const [token, grant, uid] = [unique('rt'), unique('grant'), unique('uid')];
    await factory('RefreshToken').upsert(token, { grantId: grant, uid }, 60);
    expect(await redis.hget(`${prefix}RefreshToken:${token}`, 'grantId')).toBe(grant);
    expect(await redis.smembers(`${prefix}grant:${grant}`)).toEqual([`${prefix}RefreshToken:${token}`]);
    expect(await redis.get(`${prefix}uid:RefreshToken:${uid}`)).toBe(token);
    expect(await redis.pttl(`${prefix}grant:${grant}`)).toBeGreaterThan(55_000);
  });

  it('revokes tokens of one grant spread over several slots', async () => {
    const factory = createRedisAdapterFactory(redis, { prefix });
    const grant = unique('grant');
    const tokens = Array.from({ length: 12 }, () => unique('at'));
    await Promise.all(tokens.map((id) => factory('AccessToken').upsert(id, { grantId: grant }, 60)));
    const slots = new Set(await Promise.all(tokens.map((id) => redis.cluster('KEYSLOT', `${prefix}AccessToken:${id}`))));
    expect(slots.size).toBeGreaterThan(1);
    await factory('AccessToken').revokeByGrantId(grant);
    for (const id of tokens) expect(await factory('AccessToken').find(id)).toBeUndefined();
    expect(await redis.exists(`${prefix}grant:${grant}`)).toBe(0);
  });
});

describe('Portico on a Redis Cluster', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startPortico({ redisUrl: null, env: { REDIS_CLUSTER_NODES: cluster.nodes } });
  });
  afterAll(() => portico?.stop());

  it('is ready, signs people in, and issues, refreshes, introspects and revokes tokens', async () => {
    expect(portico.server.redis?.isCluster).toBe(true);
    expect((await fetch(`${portico.url}/readyz`)).status).toBe(200);
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const { tokens } = await rp.signIn(user.username, user.password);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.claims()?.sub).toBe(user.id);
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id);
    expect(info.sub).toBe(user.id);

    // The session (in Redis) signs the person in again without the form.
    const again = await rp.authorizationRequest({ prompt: 'none' });
    const page = await rp.browser.follow(again.url);
    expect(new URL(page.url).searchParams.get('code')).toEqual(expect.any(String));

    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect((await oidc.tokenIntrospection(rp.config, refreshed.access_token)).active).toBe(true);

    // Revoking the refresh token revokes its grant: every token of it, wherever its slot.
    await oidc.tokenRevocation(rp.config, refreshed.refresh_token!);
    await expect(oidc.refreshTokenGrant(rp.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(rp.config, refreshed.access_token)).active).toBe(false);
  });

  it('counts rate limits in the cluster', async () => {
    const keys: string[] = [];
    for (const node of redis.nodes('master')) keys.push(...(await node.keys('portico:rl:*')));
    expect(keys.length).toBeGreaterThan(0);
  });

  it('answers 503 at once, without waiting for the cluster to come back, once every node is gone', async () => {
    await cluster.stop();
    const started = Date.now();
    const response = await fetch(`${portico.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clients.service.id}:${clients.service.secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(15_000),
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await fetch(`${portico.url}/readyz`, { signal: AbortSignal.timeout(15_000) })).status).toBe(503);
  });
});
