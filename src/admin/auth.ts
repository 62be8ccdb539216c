import type { Context } from 'koa';
import type { Config } from '../config/index.js';
import type { AdminScope } from '../config/admin-scopes.js';
import type { ClientToken } from '../oidc/admin-tokens.js';
import { Problem } from './problems.js';

/** How the router finds a token: the provider's store (ProviderHost.clientToken). */
export type FindClientToken = (value: string) => Promise<ClientToken | undefined>;

/** RFC 6750 §2.1: the token68 syntax, which a bearer token must match. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** RFC 6750 §3: the challenge, with the error when a token was given. */
function challenge(error?: 'invalid_token' | 'insufficient_scope', scope?: AdminScope): Record<string, string> {
  const parts = ['realm="portico-admin"', ...(error ? [`error="${error}"`] : []), ...(scope ? [`scope="${scope}"`] : [])];
  return { 'WWW-Authenticate': `Bearer ${parts.join(', ')}` };
}

/**
 * The admin client behind the request, for a route that needs `scope`. Refused: no token or
 * another scheme (401, a bare challenge, RFC 6750 §3.1), a token not found or expired (401
 * invalid_token), and a live token of a client that is not (or no longer) an admin client, or
 * of one without the route's scope (403 insufficient_scope). A token's scope is also cut to
 * what the clients file grants now, so a scope taken away ends at once.
 */
export async function authenticate(ctx: Context, config: Config, findToken: FindClientToken, scope: AdminScope): Promise<string> {
  const header = ctx.get('Authorization');
  if (!header) throw new Problem('invalid-token', 'This API needs a bearer token from the token endpoint (client_credentials).', {}, challenge());
  const value = BEARER.exec(header)?.[1];
  const token = value === undefined ? undefined : await findToken(value);
  if (!token || token.expiresAt * 1000 <= Date.now()) {
    throw new Problem('invalid-token', 'The bearer token is not a live token of an admin client.', {}, challenge('invalid_token'));
  }
  const granted = config.clients.settings.get(token.clientId)?.adminScopes;
  // A live token of a client that is not an admin client is a valid token without the privilege: 403.
  if (!granted) throw new Problem('insufficient-scope', `This token's client is not an admin client; this route needs the scope ${scope}.`, { scope }, challenge('insufficient_scope', scope));
  if (!token.scopes.has(scope) || !granted.includes(scope)) {
    throw new Problem('insufficient-scope', `This route needs the scope ${scope}.`, { scope }, challenge('insufficient_scope', scope));
  }
  return token.clientId;
}
