import Provider, { type Configuration } from 'oidc-provider';
import type { Config } from '../config/index.js';
import type { Db } from '../storage/database.js';
import { isDependencyError, OUTAGE } from '../storage/dependency-errors.js';
import type { AdapterFactory } from './adapters/index.js';
import type { AccountCache } from '../identity/account-cache.js';
import { scopeClaims } from './claims.js';
import { makeFindAccount } from './find-account.js';
import { legacyClaimNames } from './legacy-claims.js';
import { identityCheckClaimNames } from './identity-check-claims.js';
import { ACR_VALUES } from '../identity/second-step/assurance.js';
import { assuranceTokenClaims } from './assurance-claims.js';
import { buildInteractionPolicy } from './interaction-policy.js';
import { makeLoadExistingGrant } from './first-party-grant.js';
import type { PageRenderer } from './pages.js';
import { introspectionPolicy, ownTokenOnly, pkceRequired, refreshTokenRules } from './token-policy.js';
import { ssoSessionTtl } from './sso-session.js';
import { ADMIN_SCOPES } from '../config/admin-scopes.js';

/** The scopes of people's sign-ins; the admin scopes are for admin clients only. */
const PORTAL_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'account_type', 'organizations'];

export interface ProviderDeps {
  config: Config;
  db: Db;
  accounts: AccountCache;
  adapter: AdapterFactory;
  cookieKeys: string[];
  pages: PageRenderer;
}

type Ttl = NonNullable<Configuration['ttl']>;

function ttls(config: Config): Ttl {
  const s = config.policy.sessions;
  return {
    AccessToken: s.access_token_ttl_seconds,
    AuthorizationCode: 60,
    ClientCredentials: s.access_token_ttl_seconds,
    IdToken: s.id_token_ttl_seconds,
    Interaction: s.interaction_ttl_seconds,
    RefreshToken: s.refresh_token_ttl_seconds,
    Session: ssoSessionTtl(config.policy.sso_session) as Ttl['Session'],
    // docs/architecture.md: ttl.Grant silently caps refresh tokens; keep it at least as long.
    Grant: Math.max(s.refresh_token_ttl_seconds, Math.ceil(config.policy.sso_session.absolute_lifetime_hours * 3600)),
  };
}

/**
 * oidc-provider lets a client with no `scope` metadata ask for any scope, and refuses a
 * client a known scope missing from its `scope` (its validateClientScope, checkScope). So an
 * admin client's `scope` is its admin_scopes, and every other client without one gets the
 * portal scopes: asking for an admin scope, by any grant, is then invalid_scope.
 */
export function clientMetadata(config: Pick<Config, 'clients'>): Record<string, unknown>[] {
  return config.clients.metadata.map((metadata) => {
    const adminScopes = config.clients.settings.get(String(metadata.client_id))?.adminScopes;
    if (adminScopes) return { response_types: [], redirect_uris: [], ...metadata, scope: adminScopes.join(' ') };
    return metadata.scope === undefined ? { ...metadata, scope: PORTAL_SCOPES.join(' ') } : metadata;
  });
}

/**
 * oidc-provider refuses outgoing requests to special-use addresses (SSRF protection) by its
 * own dispatcher. Outside production a portal's back-channel logout receiver may be on the
 * loopback (a developer's machine, the tests), so there the dispatcher is left out.
 */
function outgoingFetch(config: Pick<Config, 'production'>): NonNullable<Configuration['fetch']> {
  if (config.production) return (url, options) => fetch(url, options);
  return (url, options) => {
    const { dispatcher: _ssrf, ...rest } = options as RequestInit & { dispatcher?: unknown };
    return fetch(url, rest);
  };
}

export function buildProviderConfiguration(deps: ProviderDeps, jwks: { keys: object[] }): Configuration {
  const { config, pages } = deps;
  const secure = config.issuer.startsWith('https:');
  return {
    adapter: deps.adapter as unknown as Configuration['adapter'],
    clients: clientMetadata(config) as unknown as Configuration['clients'],
    jwks: jwks as Configuration['jwks'],
    findAccount: makeFindAccount(config, deps.db, deps.accounts) as unknown as Configuration['findAccount'],
    claims: { ...scopeClaims, openid: [...scopeClaims.openid, ...legacyClaimNames(config), ...identityCheckClaimNames(config)] } as unknown as Configuration['claims'],
    scopes: [...PORTAL_SCOPES, ...ADMIN_SCOPES],
    acrValues: ACR_VALUES,
    extraTokenClaims: assuranceTokenClaims as unknown as Configuration['extraTokenClaims'],
    // Authorization code only (with PKCE): no implicit or hybrid flows (RFC 9700 §2.1.2).
    responseTypes: ['code'],
    // Portals read profile and email claims from the ID token as well as userinfo.
    conformIdTokenClaims: false,
    cookies: {
      keys: deps.cookieKeys,
      // The session cookie has Path=/ and no Domain, so over TLS it can carry the __Host-
      // prefix (RFC 6265bis §4.1.3.2); the interaction cookies are path-scoped and cannot.
      names: { session: secure ? '__Host-session' : '_session', interaction: '_interaction', resume: '_interaction_resume' },
      long: { httpOnly: true, sameSite: 'lax', signed: true, secure },
      short: { httpOnly: true, sameSite: 'lax', signed: true, secure },
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionPolicy(deps.accounts) as never },
      revocation: { enabled: true, allowedPolicy: ownTokenOnly as never },
      userinfo: { enabled: true },
      // Portals with a backchannel_logout_uri hear of every session end (account-sessions.ts too).
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
    },
    clientBasedCORS: (_ctx, origin, client) =>
      origin !== 'null' && client.redirectUris!.some((uri) => URL.parse(uri)?.origin === origin),
    // Rotate on every use, so a stolen refresh token is detected at its next use (RFC 9700 §4.14.2).
    rotateRefreshToken: true,
    ...(refreshTokenRules(config) as Pick<Configuration, 'issueRefreshToken' | 'expiresWithSession'>),
    pkce: { required: pkceRequired(config) as NonNullable<Configuration['pkce']>['required'] },
    loadExistingGrant: makeLoadExistingGrant(config) as Configuration['loadExistingGrant'],
    interactions: {
      policy: buildInteractionPolicy(config, deps.db),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    renderError: pages.renderError,
    fetch: outgoingFetch(config),
    ttl: ttls(config),
  };
}

/** What oidc-provider's JSON endpoints answer during an outage, with 503 and Retry-After. */
export const OUTAGE_JSON = { error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable. Try again shortly.' } as const;

export function createProvider(deps: ProviderDeps, jwks: { keys: object[] }): Provider {
  const provider = new Provider(deps.config.issuer, buildProviderConfiguration(deps, jwks));
  provider.proxy = deps.config.trustProxy;
  // Its ctx.ip is Koa's: the same trusted hops as Portico's own app (web/app.ts).
  provider.maxIpsCount = deps.config.trustProxyHops;
  // oidc-provider saves a touched session after the route's own error handler has answered
  // (ensureSessionSave in its lib/helpers/initialize_app.js), so a store failing at that moment
  // (Redis refusing writes during a failover) would reach Koa's default handler: a 500. An
  // outage answers 503 here as it does everywhere else. Outermost, so it sees what the rest throw.
  provider.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!isDependencyError(error)) throw error;
      const oidcCtx = ctx as Parameters<PageRenderer['renderError']>[0];
      if (ctx.accepts('json', 'html') === 'html') await deps.pages.renderError(oidcCtx, { error: 'server_error' }, error as Error);
      else ctx.body = OUTAGE_JSON;
      ctx.status = 503;
      ctx.set('Retry-After', String(OUTAGE.retryAfterSeconds));
    }
  });
  // A path no route answers is a page for a browser (a mistyped address), not Koa's "Not Found".
  provider.use(async (ctx, next) => {
    await next();
    deps.pages.notFound(ctx as Parameters<PageRenderer['notFound']>[0]);
  });
  return provider;
}
