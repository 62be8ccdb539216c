import { describe, expect, it } from 'vitest';
import { usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { UserAgent } from '../support/user-agent.js';

/*
 * GET /metrics on METRICS_PORT (Prometheus text format): a sign-in, a lockout and a queued mail
 * move their series, and none of them carries a username, address or interaction id.
 */

let portico: TestPortico;
usePortico((started) => (portico = started), { env: { METRICS_PORT: '0' } });

async function scrape(): Promise<string> {
  const response = await fetch(portico.server.metricsUrl!);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

/** The value of one series, 0 when it has not appeared yet. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const signIn = async (user: { username: string }, password: string, browser?: UserAgent) => {
  const rp = await RelyingParty.discover(portico.url, 'firstParty', browser);
  return rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, password);
};

describe('the metrics endpoint', () => {
  it('is not on the public port', async () => {
    expect((await fetch(`${portico.url}/metrics`)).status).toBe(404);
    expect(new URL(portico.server.metricsUrl!).port).not.toBe(new URL(portico.url).port);
  });

  it('counts a sign-in, a lockout and a queued mail, with bounded labels only', async () => {
    const before = await scrape();
    const user = await portico.createUser();
    await signIn(user, user.password);
    const stranger = await portico.createUser({ trustDevice: false });
    // An unremembered browser: the right password queues the emailed code.
    await signIn(stranger, stranger.password, new UserAgent('http://127.0.0.1:9'));
    for (let i = 0; i < 5; i++) await signIn(stranger, `Wrong${i}Horse7`);
    const after = await scrape();

    expect(value(after, 'portico_audit_events_total{action="sign_in.succeeded"}') - value(before, 'portico_audit_events_total{action="sign_in.succeeded"}')).toBe(1);
    expect(value(after, 'portico_audit_events_total{action="account.locked"}') - value(before, 'portico_audit_events_total{action="account.locked"}')).toBe(1);
    expect(value(after, 'portico_mails_queued_total{template="access-code"}') - value(before, 'portico_mails_queued_total{template="access-code"}')).toBe(1);
    expect(value(after, 'portico_http_request_duration_seconds_count{method="POST",route="/interaction/:id/login",status="303"}')).toBeGreaterThan(0);
    expect(value(after, 'portico_db_query_duration_seconds_count{outcome="ok"}')).toBeGreaterThan(value(before, 'portico_db_query_duration_seconds_count{outcome="ok"}'));
    expect(after).toMatch(/^portico_mail_outbox_pending \d+$/m);
    expect(after).toMatch(/^portico_argon2_in_flight 0$/m);
    expect(after).toMatch(/^portico_nodejs_eventloop_lag_seconds /m);
    for (const secret of [user.username, stranger.username, stranger.email]) expect(after).not.toContain(secret);
    expect(after).not.toMatch(/\/interaction\/(?!:id)[^/"]+/);
  });
});
