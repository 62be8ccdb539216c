import type { Middleware } from 'koa';

/*
 * Issue 8, item 5: NUL and the other C0 control characters (bar tab, line feed and carriage
 * return) and DEL are never typed into a form or a protocol parameter, and PostgreSQL refuses
 * NUL in text: a lookup with one would fail as a server error. Requests carrying them are
 * refused up front with 400, as a page for browsers and `invalid_request` for JSON callers
 * (errors.ts renders the thrown error).
 */

const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const MESSAGE = 'This request contains characters that cannot be used. Go back, check what you typed and try again.';

/** True when a string, or any key or string inside a parsed query or form (arrays, nested objects), has one. */
export function hasControlCharacters(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return FORBIDDEN.test(value);
  if (value === null || typeof value !== 'object' || depth > 8) return false;
  if (Array.isArray(value)) return value.some((item) => hasControlCharacters(item, depth + 1));
  return Object.entries(value).some(([key, item]) => FORBIDDEN.test(key) || hasControlCharacters(item, depth + 1));
}

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
    if (FORBIDDEN.test(decodedPath(ctx.path)) || (ctx.querystring && hasControlCharacters(ctx.query))) ctx.throw(400, MESSAGE);
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
