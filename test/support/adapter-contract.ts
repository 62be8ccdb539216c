import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AdapterFactory } from '../../src/oidc/adapters/index.js';

/*
 * The adapter contract, run against each store: the SQL backends and one Redis
 * (adapters.contract.test.ts) and a Redis Cluster (redis-cluster.test.ts).
 */

// Every id, grant, uid and user code of this run starts with RUN, so that against a shared
// DATABASE_URL or REDIS_URL the suite touches (and cleans up) only its own data.
export const RUN = `adapters-test-${randomUUID()}`;
export const unique = (label: string) => `${RUN}-${label}-${randomUUID()}`;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Expiry tests use a 1 s TTL and wait this long, enough for Redis and the database clock. */
export const PAST_SHORT_TTL_MS = 1600;

/** The behaviour oidc-provider relies on (docs/README.md "adapter", example/my_adapter.js). */
export function describeAdapterContract(name: string, makeFactory: () => AdapterFactory) {
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
