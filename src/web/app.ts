import Koa from 'koa';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { createFlowRouter } from '../flows/router.js';
import type { FlowDeps } from '../flows/deps.js';
import { assets } from './assets.js';
import { devOutboxRouter } from './dev-outbox.js';
import { errorHandler } from './errors.js';
import { healthRouter } from './health.js';
import { inputGuard } from './input-guard.js';
import { requestLog } from './request-log.js';
import { portalOrigins, securityHeaders } from './security-headers.js';
import { tokenRateLimit } from './token-rate-limit.js';

export interface AppDeps extends FlowDeps {
  redis?: Redis;
  log: Logger;
}

/** Portico's Koa application: its own pages first, then oidc-provider at the issuer root. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = deps.config.trustProxy;
  app.silent = true;
  app.use(requestLog(deps.log));
  app.use(errorHandler(deps.renderer));
  app.use(securityHeaders({ secure: deps.config.issuer.startsWith('https:'), formTargets: portalOrigins(deps.config.clients.metadata) }));
  app.use(inputGuard());
  app.use(assets());
  const health = healthRouter({ db: deps.db, redis: deps.redis });
  app.use(health.routes());
  app.use(devOutboxRouter({ db: deps.db, renderer: deps.renderer, production: deps.config.production }).routes());
  const flows = createFlowRouter(deps);
  app.use(flows.routes());
  app.use(flows.allowedMethods());
  app.use(tokenRateLimit(deps.limits));
  app.use((ctx) => deps.host.handle(ctx));
  return app;
}
