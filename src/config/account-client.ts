import { ConfigError } from './errors.js';
import type { ClientsConfig } from './clients.js';

/**
 * Portico's own account pages sign people in like any portal: through an authorization
 * request from a built-in public client (PKCE, no secret), so the account area gets the same
 * sign-in steps, second factor and lockout as every portal (docs/architecture.md, "hosted pages").
 */
export const ACCOUNT_CLIENT_ID = 'portico-account';

export function accountRedirectUri(issuer: string): string {
  return `${issuer}/account/callback`;
}

/** Adds the built-in client to the operator's; a client file may not reuse its id. */
export function withAccountClient(clients: ClientsConfig, issuer: string, file: string): ClientsConfig {
  if (clients.settings.has(ACCOUNT_CLIENT_ID)) throw new ConfigError(`${file}: client "${ACCOUNT_CLIENT_ID}": client_id: reserved for Portico's account pages`);
  const metadata = {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'your account',
    redirect_uris: [accountRedirectUri(issuer)],
    post_logout_redirect_uris: [`${issuer}/account`],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
  const settings = new Map(clients.settings);
  settings.set(ACCOUNT_CLIENT_ID, { clientName: 'your account', firstParty: true, requireSecondStep: false });
  return { ...clients, metadata: [...clients.metadata, metadata], settings };
}
