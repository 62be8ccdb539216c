import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import { hasControlCharacters } from '../control-characters.js';
import { authenticate, type FindClientToken } from './auth.js';
import { idempotencyKeyOf, once } from './idempotency.js';
import { openApiDocument } from './openapi.js';
import { invalidRequest, Problem, problemAnswers } from './problems.js';
import { ADMIN_API_BASE, ADMIN_ROUTES } from './routes.js';
import type { AdminDeps, AnyRoute } from './route.js';

export interface AdminApiDeps extends AdminDeps {
  config: Config;
  findToken: FindClientToken;
}

/** What a route takes where it declares no schema: nothing, so an unknown field there is refused as anywhere else. */
const NOTHING = z.object({}).strict();

function parsePart<S extends z.ZodType>(part: 'path' | 'query' | 'body', schema: S | undefined, value: unknown): z.output<S> | undefined {
  const parsed = (schema ?? NOTHING).safeParse(value);
  if (!parsed.success) throw invalidRequest(part, parsed.error);
  return schema ? (parsed.data as z.output<S>) : undefined;
}

/**
 * The query string as the schemas read it: an empty parameter (`?q=&status=`, as a form with
 * blank fields sends it) is an absent one. A repeated parameter arrives as an array, which the
 * schemas (one value each) refuse.
 */
const queryOf = (ctx: Context) => Object.fromEntries(Object.entries(ctx.query).filter(([, value]) => value !== ''));

// DELETE too: the parser's default methods leave its body unread, which would let one through unrefused.
const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: '16kb', encoding: 'utf-8', parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'] }) as unknown as Middleware;

/**
 * The JSON body, or a 400 problem: the parser marks a body that is not JSON (or not an object
 * or array, or carries __proto__) with status 400 but not as exposable, and its message may
 * quote the body, so the detail is ours.
 */
async function readJson(ctx: Context): Promise<void> {
  try {
    await parseJson(ctx, async () => {});
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === undefined || status >= 500) throw error;
    const message = status === 413 ? 'larger than 16 kB' : 'not a JSON object';
    throw new Problem('invalid-request', `The body is not valid: ${message}`, { errors: [{ in: 'body', field: '', message }] });
  }
}

function handler(route: AnyRoute, deps: AdminApiDeps): Middleware {
  return async (ctx) => {
    const client = await authenticate(ctx, deps.config, deps.findToken, route.scope);
    // The body is read only for a caller known to be an admin client; a route without a body
    // schema reads one sent anyway (an empty POST has Content-Length: 0), to refuse what it holds.
    if (route.body || ctx.request.length || ctx.get('Transfer-Encoding')) {
      if (!ctx.is('application/json')) throw new Problem('unsupported-media-type', 'Send the body as application/json.');
      await readJson(ctx);
    }
    // NUL and other control characters are never typed, and PostgreSQL refuses NUL in text.
    if (hasControlCharacters(ctx.request.body)) throw new Problem('invalid-request', 'The body is not valid: it holds control characters', { errors: [{ in: 'body', field: '', message: 'control characters' }] });
    const params = parsePart('path', route.params, ctx.params);
    const query = parsePart('query', route.query, queryOf(ctx));
    const body = parsePart('body', route.body, ctx.request.body ?? {});
    const run = async () => {
      const result = await route.handle({ params, query, body, client, deps, ctx } as never);
      return route.response?.parse(result);
    };
    const key = route.write ? idempotencyKeyOf(ctx) : undefined;
    const answer = key === undefined ? await run() : await once(ctx, deps.admin.idempotency, client, key, body, run);
    if (!route.response) return;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = answer;
  };
}

/** The routes of the table on a Koa router: {id} templates become :id. */
function routerOf(deps: AdminApiDeps): Router {
  const router = new Router({ prefix: ADMIN_API_BASE });
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument(deps.config.issuer);
  });
  for (const route of ADMIN_ROUTES) router[route.method](route.path.replace(/\{(\w+)\}/g, ':$1'), handler(route, deps));
  return router;
}

/**
 * The operators' admin API under /admin/api/v1: JSON in, JSON (or a stream) out, every error
 * an RFC 9457 problem. Other paths pass by untouched.
 */
export function adminApi(deps: AdminApiDeps): Middleware {
  const router = routerOf(deps);
  const routes = router.routes() as unknown as Middleware;
  const answer = problemAnswers();
  return (ctx, next) => {
    if (ctx.path !== ADMIN_API_BASE && !ctx.path.startsWith(`${ADMIN_API_BASE}/`)) return next();
    return answer(ctx, () => {
      refuseControlCharacters(ctx);
      return routes(ctx, async () => noRoute(ctx, router));
    });
  };
}

/** The path (ids in it) and query string with a control character: a 400 problem before any route. */
function refuseControlCharacters(ctx: Context): void {
  let path = ctx.path;
  try {
    path = decodeURIComponent(path);
  } catch {
    // Left encoded: the router refuses a path it cannot decode.
  }
  const where = hasControlCharacters(path) ? 'path' : ctx.querystring && hasControlCharacters(ctx.query) ? 'query' : undefined;
  if (where) throw new Problem('invalid-request', `The ${where === 'path' ? 'path' : 'query string'} is not valid: it holds control characters`, { errors: [{ in: where, field: '', message: 'control characters' }] });
}

function noRoute(ctx: Context, router: Router): never {
  const allowed = new Set(router.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods));
  if (allowed.size === 0) throw new Problem('not-found', `No route ${ctx.path}.`);
  throw new Problem('method-not-allowed', `${ctx.path} takes ${[...allowed].join(', ')}.`, {}, { Allow: [...allowed].join(', ') });
}
