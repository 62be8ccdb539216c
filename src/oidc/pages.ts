import type { KoaContextWithOIDC } from 'oidc-provider';
import { isDependencyError, OUTAGE } from '../storage/dependency-errors.js';
import type { Renderer } from '../renderer.js';
import { requestLocale } from '../i18n/request-locale.js';
import { msg } from '../i18n/index.js';

export interface PageRenderer {
  renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }, error: Error): Promise<void>;
  logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void>;
}

function html(ctx: KoaContextWithOIDC, body: string): void {
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/** Portico's look for the pages oidc-provider renders itself (errors and RP-initiated logout). */
export function createPageRenderer(renderer: Renderer): PageRenderer {
  return {
    async renderError(ctx, out, error) {
      const serverError = out.error === 'server_error';
      // ProviderHost answers an outage with 503 and Retry-After; the page says it in words.
      const outage = serverError && isDependencyError(error);
      html(
        ctx,
        renderer.page('error', {
          title: outage ? OUTAGE.title : serverError ? msg('error.server_title') : msg('error.portal_request_title'),
          message: serverError
            ? OUTAGE.message
            : msg('error.portal_request'),
          // error_description is oidc-provider's own text, never user input echoed raw (escaped anyway).
          detail: serverError ? undefined : out.error_description,
          requestId: ctx.get('x-request-id') || undefined,
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
  };
}
