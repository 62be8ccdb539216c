import type { Context, Middleware } from 'koa';
import { isDependencyError, OUTAGE } from '../storage/dependency-errors.js';
import { sendPage, type Renderer } from './render.js';
import { TooManyAttempts } from './rate-limits.js';
import { GoTo, PageError } from './page-errors.js';
import { msg, translator, type Msg, type Text } from '../i18n/index.js';

/** oidc-provider's JSON endpoints and the probes: JSON whatever the Accept header says. */
const JSON_PATHS = /^\/(token(\/|$)|me$|jwks$|\.well-known\/|readyz$|healthz$)/;

function wantsJson(ctx: Context): boolean {
  return !ctx.accepts('html') || JSON_PATHS.test(ctx.path);
}

interface Answer {
  status: number;
  /** RFC 6749 §5.2 style error code for JSON callers. */
  code: string;
  title: Text;
  message: Text;
  retryAfter?: number;
  restartUrl?: string;
}


function answerFor(error: unknown): Answer {
  if (error instanceof TooManyAttempts) {
    const message = msg('error.too_many', { count: Math.max(1, Math.ceil(error.retryAfterSeconds / 60)) });
    return { status: 429, code: 'temporarily_unavailable', title: msg('error.too_many_title'), message, retryAfter: error.retryAfterSeconds };
  }
  if (error instanceof PageError) {
    const code = error.status === 403 ? 'access_denied' : 'invalid_request';
    return { status: error.status, code, title: error.title, message: error.text, restartUrl: error.restartUrl };
  }
  if (isDependencyError(error)) return { status: 503, code: 'temporarily_unavailable', title: OUTAGE.title, message: OUTAGE.message, retryAfter: OUTAGE.retryAfterSeconds };
  // An exposed error may carry its sentence as a catalogue message (`text`), worded for the page.
  const e = error as { status?: number; expose?: boolean; message?: string; text?: Msg };
  if (e.expose && e.status && e.status < 500) return { status: e.status, code: 'invalid_request', title: msg('error.bad_request_title'), message: e.text ?? e.message ?? '' };
  return { status: 500, code: 'server_error', title: msg('error.server_title'), message: msg('error.try_later') };
}

/** Last line of defence: a dependency outage answers 503, anything else 500, never a stack trace. */
export function errorHandler(renderer: Renderer): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof GoTo) {
        ctx.status = error.status;
        return ctx.redirect(error.location);
      }
      const answer = answerFor(error);
      if (answer.status >= 500) ctx.state.log?.error({ err: error }, answer.status === 503 ? 'dependency unavailable' : 'unhandled error');
      if (answer.retryAfter) ctx.set('Retry-After', String(answer.retryAfter));
      if (wantsJson(ctx)) {
        ctx.status = answer.status;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { error: answer.code, ...(answer.status === 429 ? { error_description: translator('en').msg(answer.message) } : {}) };
        return;
      }
      sendPage(ctx, renderer, 'error', { title: answer.title, message: answer.message, restartUrl: answer.restartUrl, requestId: ctx.state.requestId }, answer.status);
    }
  };
}
