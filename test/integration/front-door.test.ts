import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { clients, usePortico, type TestPortico } from '../support/portico.js';
import { UserAgent } from '../support/user-agent.js';

/*
 * What a person meets outside any journey: the front door at /, pages for addresses that do
 * not exist or methods a page does not take, the icon, and bad sign-in links from a portal
 * explained in words, with the protocol's own words tucked away and a reference the log has.
 */

const lines: string[] = [];
const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }));
let portico: TestPortico;
usePortico((started) => (portico = started), { logger, policy: { branding: { service_name: 'Acme ID' } } });

const page = (path: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
  fetch(`${portico.url}${path}`, { method: init.method, redirect: 'manual', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...init.headers } });

describe('the front door', () => {
  it('says what the service is, under its configured name, with the ways in', async () => {
    const response = await page('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const html = await response.text();
    expect(html).toContain('<h1>Welcome to Acme ID</h1>');
    expect(html).toContain('href="/account">Manage your ID</a>');
    expect(html).toContain('href="/recover">Forgot username or password</a>');
    expect(html).toMatch(/href="#help">Help<\/a>[\s\S]*<h2 id="help">/);
    expect(html).toContain('<link rel="icon" href="/assets/favicon.svg"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('speaks Spanish to a Spanish browser', async () => {
    const html = await (await page('/', { headers: { 'accept-language': 'es-MX,es;q=0.9' } })).text();
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('Bienvenido a Acme ID');
    expect(html).toContain('Administrar su identificación');
  });
});

describe('pages for what does not exist', () => {
  it('answers an unknown address with a styled 404 page in the browser, and leaves API callers and protocol paths as they were', async () => {
    for (const path of ['/no-such-page', '/interaction/no-such/step', '/recover/nowhere']) {
      const response = await page(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toMatch(/text\/html/);
      const html = await response.text();
      expect(html, path).toContain('Page not found');
      expect(html, path).toContain('href="/"');
    }
    const api = await fetch(`${portico.url}/no-such-page`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).not.toMatch(/text\/html/);
    for (const path of ['/token', '/.well-known/no-such', '/jwks/x']) {
      const response = await page(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).not.toMatch(/text\/html/);
    }
    expect((await fetch(`${portico.url}/.well-known/openid-configuration`)).headers.get('content-type')).toMatch(/json/);
  });

  it('answers a method a page does not take with a styled 405 page and Allow', async () => {
    const response = await page('/account/name');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toContain('POST');
    expect(await response.text()).toContain('This page cannot be used that way');
    expect((await page('/recover', { method: 'PUT' })).status).toBe(405);
  });

  it('has an icon at /favicon.ico', async () => {
    const response = await fetch(`${portico.url}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^image\//);
    expect((await fetch(`${portico.url}/assets/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
  });
});

describe('a bad sign-in link from a portal', () => {
  const authorize = (params: Record<string, string>) => new UserAgent(portico.url).follow(`${portico.url}/auth?${new URLSearchParams({ response_type: 'code', scope: 'openid', ...params })}`);

  it.each([
    ['an unknown portal', { client_id: 'no-such-portal', redirect_uri: 'https://evil.example/cb' }, 'we do not know the portal that sent you here', 'client is invalid'],
    ['a return address not registered', { client_id: clients.firstParty.id, redirect_uri: 'https://evil.example/cb' }, 'an address the portal has not registered', "redirect_uri did not match any of the client's registered redirect_uris"],
  ])('explains %s in words, with the protocol detail under Technical details and a reference the log carries', async (_name, params, words, protocol) => {
    const { response, html } = await authorize(params);
    expect(response.status).toBe(400);
    expect(html).toContain('This sign-in link is not valid');
    expect(html).toContain(words);
    const details = /<details class="technical">([\s\S]*?)<\/details>/.exec(html!)?.[1];
    expect(details).toContain('Technical details');
    expect(details).toContain(protocol.replace(/'/g, '&#39;'));
    // The protocol's sentence is only inside the disclosure.
    expect(html!.replace(/<details[\s\S]*<\/details>/, '')).not.toContain('did not match');
    const reference = /Reference: <code>([0-9A-F]{4}-[0-9A-F]{4})<\/code>/.exec(html!)?.[1];
    expect(reference).toBeTruthy();
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.reference === reference);
    expect(logged).toMatchObject({ msg: 'request refused', client_id: params.client_id });
  });
});
