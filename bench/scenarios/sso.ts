import { createHmac, randomBytes } from 'node:crypto';
import { expect } from '../http.js';
import { PORTAL_ORIGIN, portal } from '../fixtures.js';
import type { Scenario } from './types.js';

/** Ids of the sessions bench/sessions.ts seeds. */
export const SESSION_PREFIX = 'bench-session-';

/** The signature cookie Koa's `cookies` (keygrip, HMAC-SHA1) sets beside a signed cookie. */
function signature(secret: string, name: string, value: string): string {
  return createHmac('sha1', secret).update(`${name}=${value}`).digest('base64').replace(/\//g, '_').replace(/\+/g, '-').replace(/=+$/, '');
}

/**
 * Single sign-on: an authorization request from a browser that already has one of the seeded
 * sessions, answered with a code at once (first-party portal: no page, no password).
 */
const scenario: Scenario = ({ http, params }) => {
  const secret = String(params.secret);
  const count = Number(params.count);
  return async () => {
    const id = `${SESSION_PREFIX}${Math.floor(Math.random() * count)}`;
    const cookie = `_session=${id}; _session.sig=${signature(secret, '_session', id)}`;
    const query = new URLSearchParams({
      client_id: portal.id, redirect_uri: portal.redirectUri, response_type: 'code', scope: 'openid profile email',
      state: randomBytes(16).toString('base64url'), code_challenge: randomBytes(32).toString('base64url'), code_challenge_method: 'S256',
    });
    const reply = await http.request('GET', `/auth?${query}`, { headers: { cookie } });
    if (!reply.headers.location?.startsWith(PORTAL_ORIGIN) || !reply.headers.location.includes('code=')) expect(reply, 0, `single sign-on (to ${reply.headers.location})`);
  };
};
export default scenario;
