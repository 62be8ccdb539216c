import type { Middleware } from 'koa';
import { httpRequests } from '../metrics/metrics.js';

/**
 * The route pattern of a path, as a bounded label: the ids in interaction, authorization and
 * outbox paths become `:id`, as do id-like segments (uuids, long random strings); a 404 is
 * `unmatched`, so made-up paths cannot grow the series.
 */
export function routePattern(path: string, status: number): string {
  if (status === 404) return 'unmatched';
  return path
    .replace(/^\/(interaction|auth|dev\/outbox)\/[^/]+/, '/$1/:id')
    .split('/')
    .map((segment) => (/^[A-Za-z0-9_-]{16,}$/.test(segment) && /\d/.test(segment) ? ':id' : segment))
    .join('/');
}

/**
 * Route patterns of the paths seen, so the common ones (the protocol endpoints) are not split
 * and matched again on every request. Bounded: made-up paths only ever fill it up to a clear.
 */
const patterns = new Map<string, string>();
const MAX_PATTERNS = 1000;

function patternOf(path: string, status: number): string {
  if (status === 404) return 'unmatched';
  let pattern = patterns.get(path);
  if (pattern === undefined) {
    if (patterns.size >= MAX_PATTERNS) patterns.clear();
    patterns.set(path, (pattern = routePattern(path, status)));
  }
  return pattern;
}

/** Times every request to its end (oidc-provider writes its own responses) into portico_http_request_duration_seconds. */
export function requestMetrics(): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const { method, path } = ctx;
    ctx.res.once('close', () => {
      const status = ctx.res.statusCode;
      httpRequests.observe({ method, route: patternOf(path, status), status: String(status) }, (performance.now() - started) / 1000);
    });
    await next();
  };
}
