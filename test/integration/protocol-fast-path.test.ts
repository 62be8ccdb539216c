import { describe, expect, it } from 'vitest';
import { usePortico, type TestPortico } from '../support/portico.js';

/*
 * oidc-provider's JSON endpoints skip the page-only middleware (web/app.ts) but keep the
 * security headers, the input guard, the request metric and the token rate limit; its HTML
 * answers still get the page's language.
 */

const service = { id: 'service-fast', secret: 'service-fast-secret-0123456789abcdef' };

let portico: TestPortico;
usePortico((started) => (portico = started), {
  env: { METRICS_PORT: '0' },
  policy: { rate_limits: { token: { per_client: { points: 2, duration_seconds: 60 } } } },
  extraClients: [{ client_id: service.id, client_name: service.id, client_secret: service.secret, redirect_uris: [], response_types: [], grant_types: ['client_credentials'] }],
});

const basic = `Basic ${Buffer.from(`${service.id}:${service.secret}`).toString('base64')}`;
const clientCredentials = () =>
  fetch(`${portico.url}/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });

async function requestCount(route: string, method: string, status: number): Promise<number> {
  const text = await (await fetch(portico.server.metricsUrl!)).text();
  const series = `portico_http_request_duration_seconds_count{method="${method}",route="${route}",status="${status}"}`;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(response.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]+$/);
}

describe("oidc-provider's JSON endpoints", () => {
  it('get the security headers and a request id', async () => {
    for (const path of ['/.well-known/openid-configuration', '/jwks']) {
      const response = await fetch(`${portico.url}${path}`);
      expect(response.status).toBe(200);
      expectSecurityHeaders(response);
    }
    const token = await clientCredentials();
    expect(token.status).toBe(200);
    expectSecurityHeaders(token);
    const userinfo = await fetch(`${portico.url}/me`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(userinfo.status).toBe(401);
    expectSecurityHeaders(userinfo);
  });

  it('are counted in the request metric', async () => {
    const discovery = await requestCount('/.well-known/openid-configuration', 'GET', 200);
    const introspect = () => fetch(`${portico.url}/token/introspection`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' });
    // Without client authentication: refused, and counted under its own status.
    const { status } = await introspect();
    expect(status).toBeGreaterThanOrEqual(400);
    const introspection = await requestCount('/token/introspection', 'POST', status);
    await fetch(`${portico.url}/.well-known/openid-configuration`);
    await introspect();
    expect(await requestCount('/.well-known/openid-configuration', 'GET', 200)).toBe(discovery + 1);
    expect(await requestCount('/token/introspection', 'POST', status)).toBe(introspection + 1);
  });

  it('are refused control characters by the input guard, as JSON', async () => {
    const response = await fetch(`${portico.url}/jwks?x=%00`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request' });
    expectSecurityHeaders(response);
  });

  it('keep the token rate limit, with its 429 counted too', async () => {
    const limited = await requestCount('/token', 'POST', 429);
    expect((await clientCredentials()).status).toBe(200);
    const over = await clientCredentials();
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await over.json()) as { error: string }).error).toBe('temporarily_unavailable');
    expectSecurityHeaders(over);
    expect(await requestCount('/token', 'POST', 429)).toBe(limited + 1);
  });
});

describe("oidc-provider's HTML answers", () => {
  it("are still in the page's language", async () => {
    const response = await fetch(`${portico.url}/auth?client_id=nobody`, { headers: { accept: 'text/html', 'accept-language': 'es' } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<html lang="es"');
  });
});
