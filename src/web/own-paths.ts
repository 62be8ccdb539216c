import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { msg } from '../i18n/index.js';
import { PageError } from './page-errors.js';

/** A page that does not exist: the error handler answers it (a page for browsers, JSON otherwise). */
export const notFound = () => new PageError(404, msg('error.not_found_title'), msg('error.not_found'));

const firstSegment = (path: string) => path.split('/', 2)[1] ?? '';

/**
 * A router asked only about paths under its own first segments: the protocol endpoints
 * (/token, /me, ...) are most of the traffic and would otherwise be matched against every
 * page, health and outbox route first. A path under its segments that no route answers is
 * its own 404 (or 405, with Allow, when another method has a route there): nothing else serves
 * those segments, so oidc-provider need not be asked.
 */
export function ownPathsOnly(router: Router): Middleware {
  const routeLayers = router.stack.filter((layer) => layer.methods.length > 0);
  const segments = new Set(routeLayers.map((layer) => firstSegment(String(layer.path))).filter((s) => !s.startsWith(':')));
  const routes = router.routes() as unknown as Middleware;
  return (ctx, next) => (segments.has(firstSegment(ctx.path)) ? routes(ctx, async () => noRoute(ctx, router)) : next());
}

function noRoute(ctx: Context, router: Router): never {
  const allowed = new Set(router.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods));
  if (allowed.size === 0) throw notFound();
  ctx.set('Allow', [...allowed].join(', '));
  throw new PageError(405, msg('error.method_title'), msg('error.method'));
}
