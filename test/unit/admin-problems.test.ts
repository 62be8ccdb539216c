import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemAnswers } from '../../src/admin/problems.js';

/*
 * The admin API's last line of defence: whatever a handler throws is a problem+json answer,
 * a store outage 503 with Retry-After (as the pages' error handler decides it), never a stack.
 */

const thrown: Record<string, () => unknown> = {
  '/outage': () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  },
  '/bug': () => {
    throw new TypeError("Cannot read properties of undefined (reading 'id')");
  },
};

let server: ReturnType<Koa['listen']>;
let url: string;
beforeAll(async () => {
  const app = new Koa();
  app.silent = true;
  app.use(problemAnswers());
  app.use((ctx) => thrown[ctx.path]?.());
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('admin API problems', () => {
  it('answer a dead store with 503 unavailable and Retry-After', async () => {
    const response = await fetch(`${url}/outage`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ type: 'urn:portico:admin-api:problem:unavailable', status: 503, title: expect.any(String), detail: expect.any(String) });
    expect(body).not.toMatch(/ECONNREFUSED|5432/);
  });

  it('answer a bug with 500 server-error and nothing of the error', async () => {
    const response = await fetch(`${url}/bug`);
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ type: 'urn:portico:admin-api:problem:server-error', status: 500 });
    expect(body).not.toMatch(/Cannot read|TypeError|\.ts:\d+/);
  });
});
