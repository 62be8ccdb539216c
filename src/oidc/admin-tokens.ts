import type Provider from 'oidc-provider';

/** What the admin API needs to know of a bearer token it was shown. */
export interface ClientToken {
  clientId: string;
  scopes: Set<string>;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/**
 * A live access token of the client_credentials grant, looked up in the provider's own store
 * (its adapter: SQL or Redis), so a token revoked at /token/revocation is gone here too.
 * Expired ones are not found (BaseModel.find checks exp). A sender-constrained token (DPoP,
 * mTLS) cannot be proved here from a plain bearer header, so it is refused.
 */
export async function findClientToken(provider: Provider, value: string): Promise<ClientToken | undefined> {
  const token = await provider.ClientCredentials.find(value);
  if (!token || token.isSenderConstrained() || !token.clientId || !token.exp) return undefined;
  if (token.exp * 1000 <= Date.now()) return undefined;
  return { clientId: token.clientId, scopes: new Set((token.scope ?? '').split(' ').filter(Boolean)), expiresAt: token.exp };
}
