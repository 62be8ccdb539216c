import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';
import { requestLog } from '../../src/web/request-log.js';
import { Csrf } from '../../src/web/csrf.js';
import { isDependencyError } from '../../src/storage/dependency-errors.js';
import { portalOrigins } from '../../src/web/security-headers.js';

describe('CSRF tokens', () => {
  const csrf = new Csrf('s'.repeat(32));

  it('accept the token for the same interaction only', () => {
    const token = csrf.token('interaction:abc');
    expect(csrf.verify('interaction:abc', token)).toBe(true);
    expect(csrf.verify('interaction:abd', token)).toBe(false);
  });

  it('refuse missing, malformed and other-secret tokens', () => {
    expect(csrf.verify('interaction:abc', undefined)).toBe(false);
    expect(csrf.verify('interaction:abc', ['x'])).toBe(false);
    expect(csrf.verify('interaction:abc', '')).toBe(false);
    expect(csrf.verify('interaction:abc', new Csrf('t'.repeat(32)).token('interaction:abc'))).toBe(false);
  });
});

describe('dependency errors', () => {
  it('recognise unreachable PostgreSQL and Redis, directly or as a cause', () => {
    expect(isDependencyError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDependencyError(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true);
    expect(isDependencyError(new Error('wrapped', { cause: new Error('Connection is closed.') }))).toBe(true);
    expect(isDependencyError(Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }))).toBe(true);
  });

  it('leave bugs and constraint violations alone', () => {
    expect(isDependencyError(new TypeError('undefined is not a function'))).toBe(false);
    expect(isDependencyError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });
});

describe('form-action origins', () => {
  it('lists each portal origin once, ignoring malformed URIs', () => {
    const origins = portalOrigins([
      { redirect_uris: ['https://a.example/cb', 'https://a.example/other'], post_logout_redirect_uris: ['https://b.example/'] },
      { redirect_uris: ['not a url'] },
    ]);
    expect(origins).toEqual(['https://a.example', 'https://b.example']);
  });
});

describe('the request log', () => {
  async function serve(log: Logger, handler: Koa.Middleware): Promise<{ url: string; close: () => void }> {
    const app = new Koa();
    app.use(requestLog(log));
    app.use(handler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
  }

  it("gives each request a logger of its own, made on first use, with the request's id", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger('warn', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const server = await serve(log, (ctx) => {
      const state = ctx.state as { log: Logger };
      expect(state.log).toBe(state.log);
      state.log.warn('inside');
      ctx.body = 'ok';
    });
    try {
      const first = await fetch(server.url, { headers: { 'x-request-id': 'given-id' } });
      expect(first.headers.get('x-request-id')).toBe('given-id');
      const second = await fetch(server.url);
      const generated = second.headers.get('x-request-id');
      expect(generated).toMatch(/^[0-9a-f-]{36}$/);
      expect(lines.map((line) => line.reqId)).toEqual(['given-id', generated]);
    } finally {
      server.close();
    }
  });
});
