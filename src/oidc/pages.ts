import type { KoaContextWithOIDC } from 'oidc-provider';
import { isDependencyError } from '../web/dependency-errors.js';
import type { Renderer } from '../web/render.js';

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
      // A store outage is not a bug: 503 tells the browser and load balancer to retry.
      const outage = serverError && isDependencyError(error);
      if (outage) {
        ctx.status = 503;
        ctx.set('Retry-After', '5');
      }
      html(
        ctx,
        renderer.page('error', {
          // The same words as web/errors.ts uses for an outage on Portico's own pages.
          title: outage ? 'Sign-in is temporarily unavailable' : serverError ? 'Something went wrong' : 'We could not complete this request',
          message: serverError
            ? 'Please try again in a few minutes.'
            : 'The portal that sent you here made a request we cannot accept. Go back to the portal and try again.',
          // error_description is oidc-provider's own text, never user input echoed raw (escaped anyway).
          detail: serverError ? undefined : out.error_description,
          requestId: ctx.get('x-request-id') || undefined,
        }),
      );
    },
    async logoutSource(ctx, form) {
      // `form` is oidc-provider's hidden form (with its xsrf token) posting to /session/end/confirm.
      html(ctx, renderer.page('logout', { form, clientName: ctx.oidc.client?.clientName }));
    },
    async postLogoutSuccessSource(ctx) {
      html(ctx, renderer.page('logged-out', { clientName: ctx.oidc.client?.clientName }));
    },
  };
}
