import type { Context } from 'koa';
import type { FlowDeps } from '../deps.js';
import { hostCookie } from '../../web/cookies.js';

/**
 * The account pages' own session: who signed in and when, in a cookie MACed under the
 * server's secret (the Csrf HMAC with its own label). Short-lived on purpose: it only spares a
 * round trip through /auth, where the SSO session decides; signing out of Portico ends both.
 */
const sessionCookie = hostCookie('portico_account');
const SESSION_TTL_MS = 30 * 60_000;

export interface AccountSession {
  accountId: string;
  /** When the person last typed their password (seconds, the ID token's auth_time). */
  authTime: number;
}

const label = (payload: string) => `account-session:${payload}`;

export function setAccountSession(ctx: Context, deps: FlowDeps, session: AccountSession, now = Date.now()): void {
  const payload = Buffer.from(JSON.stringify({ ...session, exp: now + SESSION_TTL_MS })).toString('base64url');
  sessionCookie.set(ctx, `${payload}.${deps.csrf.token(label(payload))}`, SESSION_TTL_MS);
}

export function readAccountSession(ctx: Context, deps: FlowDeps, now = Date.now()): AccountSession | undefined {
  const [payload, mac] = (sessionCookie.get(ctx) ?? '').split('.');
  if (!payload || !deps.csrf.verify(label(payload), mac)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AccountSession & { exp: number };
    if (typeof parsed.accountId !== 'string' || typeof parsed.authTime !== 'number' || !(parsed.exp > now)) return undefined;
    return { accountId: parsed.accountId, authTime: parsed.authTime };
  } catch {
    return undefined;
  }
}

export function clearAccountSession(ctx: Context): void {
  sessionCookie.clear(ctx);
}
