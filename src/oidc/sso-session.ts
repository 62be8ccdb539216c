import type { Policy } from '../config/policy.js';

/**
 * ttl.Session as a function (oidc-provider docs/README.md "ttl"): oidc-provider saves an
 * existing session on every request that reads it, with this TTL, so the store forgets a
 * session left idle for the idle timeout; the TTL never reaches past the absolute lifetime
 * counted from the sign-in, after which the session is gone and the login prompt asks again.
 */
export function ssoSessionTtl(policy: Policy['sso_session']) {
  const idle = Math.max(1, Math.round(policy.idle_timeout_minutes * 60));
  const absolute = policy.absolute_lifetime_hours * 3600;
  return (_ctx: unknown, session: { loginTs?: number }): number => {
    if (typeof session.loginTs !== 'number') return idle;
    const left = Math.floor(session.loginTs + absolute - Date.now() / 1000);
    return Math.max(1, Math.min(idle, left));
  };
}
