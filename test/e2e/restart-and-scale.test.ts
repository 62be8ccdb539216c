import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { rotateSigningKeys } from '../../src/oidc/keys.js';
import { clients, startPortico, startPorticoCluster, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput } from '../support/user-agent.js';
import { startPorticoProcess } from '../support/portico-process.js';
import { startPostgres, startRedis, type RunningService } from '../support/servers.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const step of cleanups.reverse()) await step();
});

describe('restart', () => {
  it('keeps SSO sessions and refresh tokens across a restart of Portico', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'portico-restart-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startPortico({ dataDir: process.env.DATABASE_URL ? undefined : dataDir, keepDatabase: true });
    const user = await first.createUser();
    const rp = await RelyingParty.discover(first.url);
    const { tokens } = await rp.signIn(user.username, user.password);
    await first.stop();

    const second = await startPortico({ dataDir, databaseUrl: first.databaseUrl, port: Number(new URL(first.url).port) });
    cleanups.push(() => second.stop(), () => first.dropDatabase());
    const silent = await rp.authorizationRequest({ prompt: 'none' });
    const back = await rp.browser.follow(silent.url);
    expect(new URL(back.url).searchParams.get('code')).toBeTruthy();
    expect((await rp.exchange(back.url, silent)).claims()!.sub).toBe(user.id);
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
  });
});

describe('several Portico processes on one PostgreSQL and Redis', () => {
  let a: TestPortico;
  let b: { url: string };
  let stores: Promise<{ databaseUrl?: string; redisUrl: string }> | undefined;

  /** CI's PostgreSQL and Redis when given (startPortico makes a fresh database), else our own. */
  function sharedStores() {
    stores ??= (async () => {
      let databaseUrl: string | undefined;
      let redisUrl = process.env.REDIS_URL;
      if (!process.env.DATABASE_URL) {
        const pgServer: RunningService = await startPostgres();
        cleanups.push(() => pgServer.stop());
        databaseUrl = pgServer.url;
      }
      if (!redisUrl) {
        const redisServer: RunningService = await startRedis();
        cleanups.push(() => redisServer.stop());
        redisUrl = redisServer.url;
      }
      return { databaseUrl, redisUrl };
    })();
    return stores;
  }

  /** `npm start`'s entry point in its own process; stopped with SIGTERM, which must exit 0. */
  async function startProcess(env: Record<string, string>) {
    const child = await startPorticoProcess(env);
    cleanups.push(async () => expect(await child.stop('SIGTERM')).toBe(0));
    return child;
  }

  it('serves a whole portal journey from two servers behind a round-robin load balancer', async () => {
    const cluster = await startPorticoCluster(2, await sharedStores());
    cleanups.push(() => cluster.stop());
    const user = await cluster.createUser();

    // Consecutive requests land on different servers: every step reads state the other one wrote.
    const spa = await RelyingParty.discover(cluster.url, 'thirdParty');
    const request = await spa.authorizationRequest();
    const consent = await spa.submitSignIn(await spa.browser.follow(request.url), user.username, user.password);
    expect(consent.html).toContain('Portal B</strong> is asking to use your Portico ID');
    const allow = formAction(consent.html!, /\/confirm$/)!;
    const back = await spa.browser.follow(new URL(allow, consent.url).toString(), { form: { csrf: hiddenInput(consent.html!, 'csrf')! } });
    const tokens = await spa.exchange(back.url, request);
    expect(tokens.claims()).toMatchObject({ iss: cluster.url, aud: clients.thirdParty.id, sub: user.id });
    expect(await oidc.fetchUserInfo(spa.config, tokens.access_token, user.id)).toMatchObject({ email: user.email });
    const refreshed = await oidc.refreshTokenGrant(spa.config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(spa.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    // The SSO session, too, is shared: a first-party portal gets a code without the form.
    const portal = await RelyingParty.discover(cluster.url, 'firstParty', spa.browser);
    const silent = await portal.authorizationRequest({ prompt: 'none' });
    const code = await portal.browser.follow(silent.url);
    expect((await portal.exchange(code.url, silent)).claims()!.sub).toBe(user.id);
    expect(cluster.served.map((n) => n > 0)).toEqual([true, true]);
  });

  it('finishes on one process a flow started on another', async () => {
    const { databaseUrl, redisUrl } = await sharedStores();
    a = await startPortico({ redisUrl, databaseUrl });
    cleanups.push(() => a.stop());
    // B is a separate OS process; behind a load balancer both answer for one issuer.
    b = await startProcess({
      ISSUER: a.url,
      DATABASE_URL: a.config.databaseUrl!,
      REDIS_URL: redisUrl,
      CLIENTS_FILE: a.config.clientsFile,
    });
    const user = await a.createUser();

    const rp = await RelyingParty.discover(a.url);
    const request = await rp.authorizationRequest();
    const page = await rp.browser.follow(request.url);
    const onB = page.url.replace(a.url, b.url);
    const back = await rp.browser.follow(`${onB}/login`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, login: user.username, password: user.password } });
    const code = new URL(back.url).searchParams.get('code')!;
    expect(code).toBeTruthy();

    const response = await fetch(`${b.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clients.firstParty.id}:${clients.firstParty.secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: clients.firstParty.redirectUri, code_verifier: request.verifier }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id_token: string };
    const { payload } = await jwtVerify(body.id_token, createRemoteJWKSet(new URL(`${b.url}/jwks`)), { issuer: a.url, audience: clients.firstParty.id });
    expect(payload.sub).toBe(user.id);
  });
});

describe('signing key rotation', () => {
  it('keeps verifying tokens signed before the rotation and signs new ones with the new key', async () => {
    const portico = await startPortico();
    cleanups.push(() => portico.stop());
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    const before = (await rp.signIn(user.username, user.password)).tokens.id_token!;

    const rotated = await rotateSigningKeys(portico.server.database.db, { retireAfterSeconds: 3600 });
    // ID tokens are RS256 (the OIDC default) unless a portal registers another algorithm.
    const rsa = rotated.find((r) => r.alg === 'RS256');
    expect(await portico.server.host.refresh()).toBe(true);

    const jwks = createRemoteJWKSet(new URL(`${portico.url}/jwks`));
    const verified = await jwtVerify(before, jwks, { issuer: portico.url });
    expect(verified.protectedHeader.kid).toBe(rsa!.retiredKid);

    // openid-client keeps a fetched JWKS for 60 s before it looks again for an unknown kid, and
    // rotation publishes the new key only as it becomes current: a portal that fetches the JWKS
    // after the rotation (this one) verifies the new ID token's signature at once.
    const fresh = await RelyingParty.discover(portico.url, 'firstParty', rp.browser);
    const after = (await fresh.signIn(user.username, user.password)).tokens.id_token!;
    expect(decodeProtectedHeader(after).kid).toBe(rsa!.newKid);
    await jwtVerify(after, jwks, { issuer: portico.url });
  });
});
