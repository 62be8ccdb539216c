import type { Context } from 'koa';
import type { FlowDeps } from '../deps.js';
import { signedSession, type SignedIn } from '../signed-session.js';

/**
 * The account pages' own session: who signed in, when, and in which provider session
 * (signed-session.ts). Short-lived on purpose: it only spares a round trip through /auth, where
 * the SSO session decides; and it counts only while that provider session lives (place.ts),
 * so signing out of Portico through any portal ends it too.
 */
const SESSION_TTL_MS = 30 * 60_000;

export interface AccountSession extends SignedIn {
  /** The browser's settings flow (identity/flows/settings.md); absent in a cookie from before it. */
  flowId?: string;
}

const cookie = signedSession<AccountSession>('portico_account', 'account-session', (parsed) => ({ flowId: typeof parsed.flowId === 'string' ? parsed.flowId : undefined }));

/** A new session lasts SESSION_TTL_MS; `expiresAt` keeps an existing one's end (a new flow id in it). */
export function setAccountSession(ctx: Context, deps: FlowDeps, session: AccountSession, expiresAt = Date.now() + SESSION_TTL_MS): void {
  cookie.set(ctx, deps, session, expiresAt);
}

export function readAccountSession(ctx: Context, deps: FlowDeps, now = Date.now()): (AccountSession & { expiresAt: number }) | undefined {
  return cookie.read(ctx, deps, now);
}

export function clearAccountSession(ctx: Context): void {
  cookie.clear(ctx);
}
