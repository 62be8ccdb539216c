import { localeMiddleware } from './locale.js';
import Koa from 'koa';
import compose from 'koa-compose';
import type Router from '@koa/router';
import type { RedisClient } from '../storage/redis.js';
import type { Logger } from '../log.js';
import type { Config } from '../config/index.js';
import type { ProviderHost } from '../oidc/host.js';
import type { Renderer } from '../renderer.js';
import type { Db } from '../storage/database.js';
import { assets } from './assets.js';
import { brandAssets, brandContext, type Brands } from './brand.js';
import type { LogoFile } from '../config/branding-files.js';
import { devOutboxRouter } from './dev-outbox.js';
import { errorHandler } from './errors.js';
import { healthRouter } from './health.js';
import { inputGuard } from './input-guard.js';
import { ownPathsOnly } from './own-paths.js';
import { requestLog } from './request-log.js';
import { requestMetrics } from './request-metrics.js';
import type { RateLimits } from './rate-limits.js';
import { portalOriginsOf, securityHeaders } from './security-headers.js';
import { tokenRateLimit } from './token-rate-limit.js';

export interface AppDeps {
  config: Config;
  db: Db;
  redis?: RedisClient;
  host: ProviderHost;
  renderer: Renderer;
  limits: RateLimits;
  log: Logger;
  brands: Brands;
  logos: Map<string, LogoFile>;
  /** The hosted pages (flows/router.ts), composed in server.ts: web/ knows nothing of flows/. */
  pages: Router;
  /** The operators' admin API (admin/router.ts), composed in server.ts: JSON under its own prefix. */
  adminApi: Koa.Middleware;
}

/**
 * oidc-provider's JSON endpoints, by method and exact path: most of the traffic, and none of
 * them needs what only pages need (assets, the brand and language contexts, the
 * page routers), which answers none of these paths. They still get everything before that:
 * request log and metrics, error handler, security headers, input guard, and the token rate
 * limit after it. Its HTML endpoints (/auth, /session/end) and error pages take the full chain:
 * they are rendered in the page's language.
 */
const PROTOCOL_JSON = new Set([
  'GET /.well-known/openid-configuration',
  'GET /jwks',
  'POST /token',
  'POST /token/introspection',
  'POST /token/revocation',
  'GET /me',
  'POST /me',
]);

/** Portico's Koa application: its own pages first, then oidc-provider at the issuer root. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = deps.config.trustProxy;
  // X-Forwarded-For is "client-supplied, proxy1, proxy2": each proxy appends the address it saw
  // (nginx $proxy_add_x_forwarded_for, AWS ALB), so everything left of our own proxies' entries
  // is whatever the client wrote. Koa's ctx.ip is then the entry the nearest trusted hop saw.
  app.maxIpsCount = deps.config.trustProxyHops;
  app.silent = true;
  app.use(requestLog(deps.log));
  app.use(requestMetrics());
  app.use(errorHandler(deps.renderer));
  app.use(securityHeaders({ secure: deps.config.issuer.startsWith('https:'), formTargets: portalOriginsOf(deps.config) }));
  // The admin API answers every refusal as a problem document, control characters included (its own check).
  app.use(deps.adminApi);
  app.use(inputGuard());
  // The page-only middleware: nothing in it answers oidc-provider's JSON endpoints.
  const pagesOnly = compose([
    assets(),
    brandAssets(deps.brands, deps.logos),
    brandContext(deps.brands),
    localeMiddleware(new URL(deps.config.issuer).origin),
    ownPathsOnly(healthRouter({ db: deps.db, redis: deps.redis })),
    ownPathsOnly(devOutboxRouter({ db: deps.db, renderer: deps.renderer, production: deps.config.production })),
    ownPathsOnly(deps.pages),
  ]);
  app.use((ctx, next) => (PROTOCOL_JSON.has(`${ctx.method} ${ctx.path}`) ? next() : pagesOnly(ctx, next)));
  app.use(tokenRateLimit(deps.limits));
  app.use((ctx) => deps.host.handle(ctx));
  return app;
}
