import type { Middleware } from 'koa';
import { brandOf, darker, instanceBrand, type Brand } from '../config/branding.js';
import type { LogoFile } from '../config/branding-files.js';
import type { Config } from '../config/index.js';
import { runWithBrand, setInstanceBrand } from '../notify/brand-context.js';

/** Every brand a page can carry, by key: the instance's ('default') and each branded portal's, built once. */
export interface Brands {
  of(clientId: unknown): Brand;
  byKey(key: string): Brand | undefined;
}

export function createBrands(config: Pick<Config, 'policy' | 'clients' | 'issuer'>): Brands {
  const base = instanceBrand(config.policy.branding, config.issuer);
  setInstanceBrand(base);
  const byClient = new Map<string, Brand>();
  for (const [clientId, settings] of config.clients.settings) {
    byClient.set(clientId, brandOf(config.policy.branding, config.issuer, { clientId, clientName: settings.clientName, branding: settings.branding }));
  }
  const byKey = new Map<string, Brand>([['default', base], ...[...byClient.values()].filter((b) => b.key !== 'default').map((b) => [b.key, b] as const)]);
  return {
    of: (clientId) => (typeof clientId === 'string' ? byClient.get(clientId) : undefined) ?? base,
    byKey: (key) => byKey.get(key),
  };
}

/**
 * The brand of the portal this request's journey comes from, for its page and its mails:
 * pages that know their portal put its client_id in ctx.state.portal (flows/interaction.ts).
 * Read when a page or mail is rendered, so a handler may set it after this middleware ran.
 */
export function brandContext(brands: Brands): Middleware {
  return (ctx, next) => runWithBrand(() => brands.of(ctx.state.portal), next);
}

/**
 * /branding/theme/<key>.css (the brand colour as CSS variables: the strict CSP forbids inline
 * styles) and /branding/logo/<file> (the logos read and checked at start-up).
 */
export function brandAssets(brands: Brands, logos: Map<string, LogoFile>): Middleware {
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !ctx.path.startsWith('/branding/')) return next();
    const theme = /^\/branding\/theme\/([^/]+)\.css$/.exec(ctx.path);
    const brand = theme ? brands.byKey(decodeURIComponent(theme[1]!)) : undefined;
    if (brand) {
      ctx.type = 'text/css';
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.body = `:root { --brand: ${brand.colour}; --brand-dark: ${darker(brand.colour)}; }\n`;
      return;
    }
    const logo = /^\/branding\/logo\/([^/]+)$/.exec(ctx.path);
    const file = logo ? logos.get(decodeURIComponent(logo[1]!)) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    // Opened on its own, an SVG is a document: it gets no script and no outside resources.
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    ctx.body = file.body;
  };
}
