import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';

/*
 * Behind nginx ($proxy_add_x_forwarded_for) or an AWS ALB, X-Forwarded-For reaches Portico as
 * "<whatever the client sent>, <the address the proxy saw>". Only the entries our own proxies
 * appended (TRUST_PROXY_HOPS, counted from the right) say where a request came from: a client
 * that writes its own header must not choose its per-address limit or its audit address.
 */

const REAL = '198.51.100.7';

async function signInFrom(portico: TestPortico, forwardedFor: string, login: string, password: string) {
  const rp = await RelyingParty.discover(portico.url, 'firstParty');
  rp.browser.headers['x-forwarded-for'] = forwardedFor;
  const page = await rp.browser.follow((await rp.authorizationRequest()).url);
  return rp.submitSignIn(page, login, password);
}

async function auditIps(portico: TestPortico, accountId: string): Promise<string[]> {
  const rows = await portico.server.database.db.selectFrom('audit_events').select('ip').where('account_id', '=', accountId).where('action', '=', 'sign_in.failed').execute();
  return rows.map((row) => String(row.ip));
}

describe('TRUST_PROXY=true behind one proxy (TRUST_PROXY_HOPS defaults to 1)', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startPortico({
      env: { TRUST_PROXY: 'true' },
      policy: { rate_limits: { sign_in: { per_ip: { points: 2, duration_seconds: 600 }, per_account: { points: 100 } } } },
    });
  });
  afterAll(() => portico?.stop());

  it('counts the per-address limit on the address the proxy saw, whatever the client puts in front', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const user = await portico.createUser();
      // A fresh forged address each time, as an attacker spraying passwords would send.
      statuses.push((await signInFrom(portico, `10.0.0.${i + 1}, ${REAL}`, user.username, 'Wrong7Horse')).response.status);
    }
    expect(statuses).toEqual([400, 400, 429]);
  });

  it('records the address the proxy saw in the audit event, not the forged one', async () => {
    const user = await portico.createUser();
    await signInFrom(portico, `203.0.113.99, ${'192.0.2.44'}`, user.username, 'Wrong7Horse');
    expect(await auditIps(portico, user.id)).toEqual(['192.0.2.44']);
  });
});

describe('TRUST_PROXY_HOPS=2: a CDN in front of the load balancer', () => {
  let portico: TestPortico;
  beforeAll(async () => {
    portico = await startPortico({ env: { TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2' } });
  });
  afterAll(() => portico?.stop());

  it('takes the address the outer proxy saw, skipping what the client wrote', async () => {
    const user = await portico.createUser();
    // client-written, then the CDN appends the client's address, then the load balancer the CDN's.
    await signInFrom(portico, `203.0.113.99, ${REAL}, 10.1.2.3`, user.username, 'Wrong7Horse');
    expect(await auditIps(portico, user.id)).toEqual([REAL]);
  });
});
