import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AccountChange } from '../../src/storage/account-changes.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { startPostgres, type RunningService } from '../support/servers.js';

/*
 * Token requests read accounts through a per-process cache (identity/account-cache.ts). What a
 * portal must never notice: a change made anywhere else (another server, an operator's UPDATE)
 * must reach userinfo and the refresh grant, and a change made while this server could not
 * hear about it must not be answered from what it kept.
 */

/** Retries an assertion until it holds (vitest's own poll), for a change that reaches other servers soon after. */
const eventually = (check: () => Promise<unknown>, timeout = 3000) => vi.waitFor(check, { timeout, interval: 25 });

async function signedIn(portico: TestPortico, names = { givenName: 'Jane', familyName: 'Smith' }) {
  const user = await portico.createUser(names);
  const rp = await RelyingParty.discover(portico.url);
  const { tokens } = await rp.signIn(user.username, user.password);
  return { user, rp, tokens };
}

describe('account changes made by another process (PostgreSQL)', () => {
  let postgres: RunningService | undefined;
  let portico: TestPortico;
  let outside: pg.Client;
  beforeAll(async () => {
    // A server of its own in the embedded pass: the point is a second connection.
    if (!process.env.DATABASE_URL) postgres = await startPostgres();
    portico = await startPortico(postgres ? { databaseUrl: postgres.url } : {});
    outside = new pg.Client({ connectionString: portico.config.databaseUrl });
    await outside.connect();
  });
  afterAll(async () => {
    await outside?.end();
    await portico?.stop();
    await postgres?.stop();
  });

  it('reach userinfo and the refresh grant: a new name, then "sign out everywhere", then a disabled account', async () => {
    const { user, rp, tokens } = await signedIn(portico);
    expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ name: 'Jane Smith' });

    await outside.query(`update accounts set given_name = 'Janet' where id = $1`, [user.id]);
    await eventually(async () => expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ name: 'Janet Smith', given_name: 'Janet' }));

    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    await outside.query(`update accounts set sessions_valid_after = date_trunc('second', now()) + interval '1 second' where id = $1`, [user.id]);
    await eventually(() => expect(oidc.fetchUserInfo(rp.config, refreshed.access_token, user.id)).rejects.toMatchObject({ status: 401 }));
    await expect(oidc.refreshTokenGrant(rp.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    const other = await signedIn(portico);
    expect(await oidc.fetchUserInfo(other.rp.config, other.tokens.access_token, other.user.id)).toMatchObject({ sub: other.user.id });
    await outside.query(`update accounts set status = 'disabled' where id = $1`, [other.user.id]);
    await eventually(() => expect(oidc.fetchUserInfo(other.rp.config, other.tokens.access_token, other.user.id)).rejects.toMatchObject({ status: 401 }));
  });

  it('made while the notifications were cut off are not answered from the cache once they are back', async () => {
    const { user, rp, tokens } = await signedIn(portico);
    expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ family_name: 'Smith' });

    const feed: boolean[] = [];
    const waitForFeed = (live: boolean) => eventually(async () => expect(feed.at(-1)).toBe(live), 10_000);
    const unsubscribe = portico.server.database.accountChanges.subscribe((change: AccountChange) => {
      if (change.kind === 'feed') feed.push(change.live);
    });
    try {
      // Cut the LISTEN connection, as a failover or a network blip would.
      const cut = await outside.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen %'`);
      expect(cut.rowCount).toBe(1);
      await waitForFeed(false);
      await outside.query(`update accounts set family_name = 'Jones' where id = $1`, [user.id]);
      // Meanwhile every request reads the database.
      expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ family_name: 'Jones' });
      await waitForFeed(true);
      expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ family_name: 'Jones' });
      // And once back, it hears changes again.
      await outside.query(`update accounts set family_name = 'Brown' where id = $1`, [user.id]);
      await eventually(async () => expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ family_name: 'Brown' }));
    } finally {
      unsubscribe();
    }
  });

  it('with ACCOUNT_CACHE_SECONDS=0 keeps nothing and holds no LISTEN connection (for poolers that cannot carry one)', async () => {
    const listeners = async () => (await outside.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen %'`)).rows[0].n as number;
    expect(await listeners()).toBe(1);
    const uncached = await startPortico({ databaseUrl: portico.config.databaseUrl, env: { ACCOUNT_CACHE_SECONDS: '0' } });
    try {
      expect(await listeners()).toBe(1);
      const { user, rp, tokens } = await signedIn(uncached);
      expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ given_name: 'Jane' });
      await outside.query(`update accounts set given_name = 'Joan' where id = $1`, [user.id]);
      expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ given_name: 'Joan' });
    } finally {
      await uncached.stop();
    }
  });
});

describe('account changes on the embedded database (PGlite)', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startPortico({ dataDir: 'memory://', redisUrl: null });
  });
  afterAll(() => portico?.stop());

  it('reach the very next token request, even from a statement Kysely did not build', async () => {
    const { user, rp, tokens } = await signedIn(portico);
    expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ email_verified: true });
    // Raw SQL is invisible to the write plugin: only the trigger's NOTIFY can tell the cache.
    await sql`update accounts set email_verified_at = null where id = ${user.id}`.execute(portico.server.database.db);
    expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ email_verified: false });
    await sql`update accounts set status = 'disabled' where id = ${user.id}`.execute(portico.server.database.db);
    await expect(oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).rejects.toMatchObject({ status: 401 });
  });
});
