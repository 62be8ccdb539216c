import type { Middleware } from 'koa';

/**
 * Headers for every response. The CSP allows no inline style, and no inline script except
 * oidc-provider's own auto-submit pages (response_mode=form_post, logout without a session):
 * it adds the SHA-256 of that page's script to `script-src` when the directive exists
 * (its lib/helpers/script_src_sha.js), so the directive must be there. Portico serves no
 * script files, and nosniff keeps its other responses from running as one. `form-action` must
 * list the portals' origins too: Chromium applies it to the redirects that follow a form
 * post (sign-in -> /auth -> portal callback), per CSP Level 3 §6.4.1.
 */
export function securityHeaders(options: { secure: boolean; formTargets: string[] | (() => string[]) }): Middleware {
  const targets = typeof options.formTargets === 'function' ? options.formTargets : () => options.formTargets as string[];
  // Built again only when the origins list is another one (portalOriginsOf hands back the same
  // array until a reload of the clients file replaces it): nothing is joined per request.
  let built: { origins?: string[]; csp: string } = { csp: '' };
  const cspOf = (origins: string[]) => {
    if (built.origins === origins) return built.csp;
    const csp = ["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", `form-action 'self' ${origins.join(' ')}`.trim(), "frame-ancestors 'none'", "base-uri 'none'"].join('; ');
    built = { origins, csp };
    return csp;
  };
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', cspOf(targets()));
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (options.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}

/** Origins of every registered redirect and post-logout URI: where forms may end up. */
export function portalOrigins(metadata: Record<string, unknown>[]): string[] {
  const origins = new Set<string>();
  for (const client of metadata) {
    for (const key of ['redirect_uris', 'post_logout_redirect_uris']) {
      for (const uri of (client[key] as string[] | undefined) ?? []) {
        const origin = URL.parse(uri)?.origin;
        if (origin && origin !== 'null') origins.add(origin);
      }
    }
  }
  return [...origins];
}

/** The portals' origins of the clients in force, worked out again only when a reload replaced them. */
export function portalOriginsOf(config: { clients: { metadata: Record<string, unknown>[] } }): () => string[] {
  let seen: Record<string, unknown>[] | undefined;
  let origins: string[] = [];
  return () => {
    if (seen !== config.clients.metadata) {
      seen = config.clients.metadata;
      origins = portalOrigins(seen);
    }
    return origins;
  };
}
