import type { Context } from 'koa';
import type { FlowDeps } from '../deps.js';
import { hostCookie } from '../../web/cookies.js';

/**
 * The account pages' own session: who signed in, when, and in which provider session, in a
 * cookie MACed under the server's secret (the Csrf HMAC with its own label). Short-lived on
 * purpose: it only spares a round trip through /auth, where the SSO session decides; and it
 * counts only while that provider session lives (place.ts), so signing out of Portico through
 * any portal ends it too.
 */
const sessionCookie = hostCookie('portico_account');
const SESSION_TTL_MS = 30 * 60_000;

export interface AccountSession {
  accountId: string;
  /** When the person last typed their password (seconds, the ID token's auth_time). */
  authTime: number;
  /** The oidc-provider session the sign-in happened in (its uid, the ID token's sid source). */
  sessionUid: string;
  /** The browser's settings flow (identity/flows/settings.md); absent in a cookie from before it. */
  flowId?: string;
}

const label = (payload: string) => `account-session:${payload}`;

/** A new session lasts SESSION_TTL_MS; `expiresAt` keeps an existing one's end (a new flow id in it). */
export function setAccountSession(ctx: Context, deps: FlowDeps, session: AccountSession, expiresAt = Date.now() + SESSION_TTL_MS): void {
  const payload = Buffer.from(JSON.stringify({ ...session, exp: expiresAt })).toString('base64url');
  sessionCookie.set(ctx, `${payload}.${deps.csrf.token(label(payload))}`, Math.max(0, expiresAt - Date.now()));
}

export function readAccountSession(ctx: Context, deps: FlowDeps, now = Date.now()): (AccountSession & { expiresAt: number }) | undefined {
  const [payload, mac] = (sessionCookie.get(ctx) ?? '').split('.');
  if (!payload || !deps.csrf.verify(label(payload), mac)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AccountSession & { exp: number };
    if (typeof parsed.accountId !== 'string' || typeof parsed.authTime !== 'number' || typeof parsed.sessionUid !== 'string' || !(parsed.exp > now)) return undefined;
    const flowId = typeof parsed.flowId === 'string' ? parsed.flowId : undefined;
    return { accountId: parsed.accountId, authTime: parsed.authTime, sessionUid: parsed.sessionUid, flowId, expiresAt: parsed.exp };
  } catch {
    return undefined;
  }
}

export function clearAccountSession(ctx: Context): void {
  sessionCookie.clear(ctx);
}
