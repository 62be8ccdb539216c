import { Eta } from 'eta';
import type { Context } from 'koa';
import { viewsDir } from '../paths.js';
import { locales, translator, type Locale } from '../i18n/index.js';
import { pageLocale } from './locale.js';

export interface Renderer {
  /** Renders a view inside the layout; the view's data is HTML-escaped by default. */
  page(view: string, data: Record<string, unknown>, locale?: Locale): string;
}

export function createRenderer(options: { production: boolean; productName?: string }): Renderer {
  const eta = new Eta({ views: viewsDir, cache: options.production, autoEscape: true, autoTrim: false });
  const productName = options.productName ?? 'Portico';
  return {
    // Every view gets the page language's translator as `it.i18n` (views/layout.eta sets <html lang>).
    page: (view, data, locale = 'en') => eta.render(`./${view}`, { productName, i18n: translator(locale), locales, ...data }),
  };
}

export function sendPage(ctx: Context, renderer: Renderer, view: string, data: Record<string, unknown>, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Language', pageLocale(ctx));
  // The language switch returns to this page; after a form post, to the form's address.
  const returnTo = ctx.method === 'GET' ? ctx.originalUrl : ctx.path;
  ctx.body = renderer.page(view, { returnTo, ...data }, pageLocale(ctx));
}
