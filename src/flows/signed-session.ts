import type { Context } from 'koa';
import { hostCookie } from '../web/cookies.js';
import type { FlowDeps } from './deps.js';

/** Who signed in to one of Portico's own pages, when, and in which provider session. */
export interface SignedIn {
  accountId: string;
  /** When the person last typed their password (seconds, the ID token's auth_time). */
  authTime: number;
  /** The oidc-provider session the sign-in happened in (its uid, the ID token's sid source). */
  sessionUid: string;
}

/**
 * A session of Portico's own pages (the account pages, the help-desk console) in a cookie
 * MACed under the server's secret (the Csrf HMAC with the page's own label), with its end in
 * it: nothing is stored on the server, and a cookie of one page area is worth nothing to
 * another. `extra` reads the area's own fields back.
 */
export function signedSession<S extends SignedIn>(name: string, purpose: string, extra: (parsed: Record<string, unknown>) => Omit<S, keyof SignedIn>) {
  const cookie = hostCookie(name);
  const label = (payload: string) => `${purpose}:${payload}`;
  return {
    set(ctx: Context, deps: FlowDeps, session: S, expiresAt: number): void {
      const payload = Buffer.from(JSON.stringify({ ...session, exp: expiresAt })).toString('base64url');
      cookie.set(ctx, `${payload}.${deps.csrf.token(label(payload))}`, Math.max(0, expiresAt - Date.now()));
    },
    read(ctx: Context, deps: FlowDeps, now = Date.now()): (S & { expiresAt: number }) | undefined {
      const [payload, mac] = (cookie.get(ctx) ?? '').split('.');
      if (!payload || !deps.csrf.verify(label(payload), mac)) return undefined;
      try {
        const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
        const { accountId, authTime, sessionUid, exp } = parsed;
        if (typeof accountId !== 'string' || typeof authTime !== 'number' || typeof sessionUid !== 'string' || typeof exp !== 'number' || !(exp > now)) return undefined;
        return { ...extra(parsed), accountId, authTime, sessionUid, expiresAt: exp } as S & { expiresAt: number };
      } catch {
        return undefined;
      }
    },
    clear: (ctx: Context) => cookie.clear(ctx),
  };
}
