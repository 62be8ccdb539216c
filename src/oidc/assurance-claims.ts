import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * The ID token gets acr and amr from the session (oidc-provider). Userinfo only sees the access
 * token, so each access token carries the acr, amr and auth_time of the sign-in behind it,
 * copied from the code or refresh token it was issued for (docs/README.md "extraTokenClaims").
 */
export async function assuranceTokenClaims(ctx: KoaContextWithOIDC, token: { kind: string }): Promise<Record<string, unknown> | undefined> {
  if (token.kind !== 'AccessToken') return undefined;
  const source = (ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken) as { acr?: string; amr?: string[]; authTime?: number } | undefined;
  if (!source) return undefined;
  // auth_time (OIDC Core §2): "sign out everywhere" ends tokens by the sign-in behind them (token-policy.ts).
  return { ...(source.acr ? { acr: source.acr, amr: source.amr ?? [] } : {}), ...(typeof source.authTime === 'number' ? { auth_time: source.authTime } : {}) };
}

/** acr and amr as userinfo claims, read back from the access token (see above). */
export function assuranceFromToken(token: unknown): { acr?: string; amr?: string[] } {
  const extra = (token as { extra?: { acr?: unknown; amr?: unknown } } | undefined)?.extra;
  if (typeof extra?.acr !== 'string') return {};
  return { acr: extra.acr, amr: Array.isArray(extra.amr) ? (extra.amr as string[]) : [] };
}
