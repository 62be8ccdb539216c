import type { Middleware } from 'koa';
import { hasControlCharacters } from '../control-characters.js';

/*
 * NUL and the other C0 control characters (bar tab, line feed and carriage
 * return) and DEL are never typed into a form or a protocol parameter, and PostgreSQL refuses
 * NUL in text: a lookup with one would fail as a server error. Requests carrying them are
 * refused up front with 400, as a page for browsers and `invalid_request` for JSON callers
 * (errors.ts renders the thrown error).
 */

const MESSAGE = 'This request contains characters that cannot be used. Go back, check what you typed and try again.';

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Every route, oidc-provider's included: the decoded path (ids in it) and query string. */
export function inputGuard(): Middleware {
  return async (ctx, next) => {
    if (hasControlCharacters(decodedPath(ctx.path)) || (ctx.querystring && hasControlCharacters(ctx.query))) ctx.throw(400, MESSAGE);
    await next();
  };
}

/** Portico's own form posts, after the body parser (flows/router.ts). */
export function formGuard(): Middleware {
  return async (ctx, next) => {
    if (hasControlCharacters(ctx.request.body)) ctx.throw(400, MESSAGE);
    await next();
  };
}
