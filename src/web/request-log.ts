import { createHash, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Middleware } from 'koa';
import type { Logger } from '../log.js';

const validId = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * An interaction's id is also the value of oidc-provider's interaction cookies, so paths are
 * logged with a digest in its place: enough to follow one sign-in through the log, not
 * enough to step into it.
 */
export function loggablePath(path: string): string {
  return path.replace(/^\/(interaction|auth)\/([^/]+)/, (_, kind: string, uid: string) => `/${kind}/~${createHash('sha256').update(uid).digest('base64url').slice(0, 10)}`);
}

function logWhenClosed(log: Logger, res: ServerResponse, reqId: string, method: string, rawPath: string): void {
  const started = performance.now();
  const path = loggablePath(rawPath);
  res.once('close', () => log.info({ reqId, method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request'));
}

const BASE = Symbol('base logger');
const CHILD = Symbol('request logger');
interface LogState {
  requestId: string;
  [BASE]: Logger;
  [CHILD]?: Logger;
}

/**
 * The request's own logger, made only when something asks for it (errors, mostly): a pino
 * child per request was a measurable share of a token request's CPU. One getter for every
 * request, so none is made per request either.
 */
function requestLogger(this: LogState): Logger {
  return (this[CHILD] ??= this[BASE].child({ reqId: this.requestId }));
}

/**
 * One log line per request, with a request id. Only the path is logged: query strings carry
 * codes, hints and tokens (RFC 6749 §4.1.2), and bodies carry passwords. The line is written
 * when the response ends, because oidc-provider writes its responses itself.
 */
export function requestLog(log: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const id = validId.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    (ctx.state as LogState)[BASE] = log;
    Object.defineProperty(ctx.state, 'log', { configurable: true, enumerable: true, get: requestLogger });
    ctx.set('X-Request-Id', id);
    if (log.isLevelEnabled('info')) logWhenClosed(log, ctx.res, id, ctx.method, ctx.path);
    await next();
  };
}
