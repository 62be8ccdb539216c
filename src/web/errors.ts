import type { Context, Middleware } from 'koa';
import { isDependencyError } from './dependency-errors.js';
import { sendPage, type Renderer } from './render.js';

function wantsJson(ctx: Context): boolean {
  return !ctx.accepts('html') || ctx.path === '/readyz' || ctx.path === '/healthz';
}

/** Last line of defence: a dependency outage answers 503, anything else 500, never a stack trace. */
export function errorHandler(renderer: Renderer): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const unavailable = isDependencyError(error);
      const explicit = (error as { status?: number; expose?: boolean }).expose ? (error as { status: number }).status : undefined;
      const status = explicit ?? (unavailable ? 503 : 500);
      if (status >= 500) ctx.state.log?.error({ err: error }, unavailable ? 'dependency unavailable' : 'unhandled error');
      if (unavailable) ctx.set('Retry-After', '5');
      if (wantsJson(ctx)) {
        ctx.status = status;
        ctx.body = { error: unavailable ? 'temporarily_unavailable' : status >= 500 ? 'server_error' : 'invalid_request' };
        return;
      }
      sendPage(
        ctx,
        renderer,
        'error',
        {
          title: unavailable ? 'Sign-in is temporarily unavailable' : status >= 500 ? 'Something went wrong' : 'We could not handle this request',
          message: unavailable || status >= 500 ? 'Please try again in a few minutes.' : (error as Error).message,
          requestId: ctx.state.requestId,
        },
        status,
      );
    }
  };
}
