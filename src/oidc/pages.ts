import { randomBytes } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../log.js';
import { isDependencyError, OUTAGE } from '../storage/dependency-errors.js';
import type { Renderer } from '../renderer.js';
import { requestLocale } from '../i18n/request-locale.js';
import { msg, type Msg } from '../i18n/index.js';

export interface PageRenderer {
  renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }, error: Error): Promise<void>;
  logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void>;
  /** A browser asked for a path oidc-provider has no route for. */
  notFound(ctx: KoaContextWithOIDC): void;
}

/** Where the language switch returns: this page again (a GET shows the same answer). */
const here = (ctx: KoaContextWithOIDC) => (ctx.method === 'GET' ? ctx.originalUrl : '/');

function html(ctx: KoaContextWithOIDC, body: string): void {
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/**
 * What the person reads for a request refused before any redirect (oidc-provider's own
 * sentences are for the portal's developers: they go under "Technical details").
 */
function humanWords(out: { error: string }, error: Error): Msg {
  if (error.name === 'SessionNotFound') return msg('error.portal.expired');
  if (out.error === 'invalid_client') return msg('error.portal.unknown_portal');
  if (out.error === 'invalid_redirect_uri') return msg('error.portal.bad_return');
  return msg('error.portal_request');
}

/** A short reference the person can read out to the help desk; the log line carries it too. */
const reference = () => randomBytes(4).toString('hex').toUpperCase().replace(/^(.{4})/, '$1-');

/** oidc-provider's default routes (Portico configures none): their answers stay oidc-provider's. */
const PROTOCOL_PATHS = /^\/(auth|token|me|jwks|session|request|reg|device|backchannel|challenge|credential|\.well-known)(\/|$)/;

/** Portico's look for the pages oidc-provider renders itself (errors, logout, unknown paths). */
export function createPageRenderer(renderer: Renderer, log: Logger): PageRenderer {
  return {
    async renderError(ctx, out, error) {
      const serverError = out.error === 'server_error';
      // ProviderHost answers an outage with 503 and Retry-After; the page says it in words.
      const outage = serverError && isDependencyError(error);
      const ref = serverError ? undefined : reference();
      const reqId = ctx.res.getHeader('x-request-id');
      if (ref) log.info({ reqId, reference: ref, error: out.error, error_description: out.error_description, client_id: ctx.oidc?.params?.client_id }, 'request refused');
      html(
        ctx,
        renderer.page('error', {
          title: outage ? OUTAGE.title : serverError ? msg('error.server_title') : msg('error.portal_request_title'),
          message: serverError ? OUTAGE.message : humanWords(out, error),
          // oidc-provider's own code and text, never user input echoed raw (escaped anyway).
          technical: ref ? { error: out.error, description: out.error_description } : undefined,
          requestId: ref ?? (typeof reqId === 'string' ? reqId : undefined),
          returnTo: here(ctx),
        }, requestLocale()),
      );
    },
    async logoutSource(ctx, form) {
      // `form` is oidc-provider's hidden form (with its xsrf token) posting to /session/end/confirm.
      html(ctx, renderer.page('logout', { form, clientName: ctx.oidc.client?.clientName }, requestLocale()));
    },
    async postLogoutSuccessSource(ctx) {
      html(ctx, renderer.page('logged-out', { clientName: ctx.oidc.client?.clientName }, requestLocale()));
    },
    notFound(ctx) {
      // Browsers only (they ask for HTML first); API callers and protocol paths keep Koa's plain answer.
      if (ctx.status !== 404 || ctx.body != null || PROTOCOL_PATHS.test(ctx.path) || ctx.accepts('json', 'html') !== 'html') return;
      html(ctx, renderer.page('error', { title: msg('error.not_found_title'), message: msg('error.not_found'), returnTo: here(ctx) }, requestLocale()));
      ctx.status = 404;
    },
  };
}
