import { Eta } from 'eta';
import type { Context } from 'koa';
import { viewsDir } from '../paths.js';
import type { Renderer } from '../renderer.js';
import { locales, translator, type Locale } from '../i18n/index.js';
import { pageLocale } from './locale.js';
import { currentBrand } from '../notify/brand-context.js';

export type { Renderer };

/** Texts the policy file words per language (security questions), by id. */
export type PolicyTexts = Map<string, Partial<Record<Locale, string>>>;

export function createRenderer(options: { production: boolean; questions?: PolicyTexts }): Renderer {
  const eta = new Eta({ views: viewsDir, cache: options.production, autoEscape: true, autoTrim: false });
  return {
    // Every view gets the page language's translator as `it.i18n` (views/layout.eta sets <html lang>).
    page: (view, data, locale = 'en') => {
      // A question the policy gives no text for in this language shows its English text.
      const questionText = (id: string, english: string) => options.questions?.get(id)?.[locale] ?? english;
      // The brand of this request's journey (web/brand.ts), or the instance's outside one.
      const brand = currentBrand();
      return eta.render(`./${view}`, { productName: brand.name, brand, i18n: translator(locale), locales, questionText, ...data });
    },
  };
}

export function sendPage(ctx: Context, renderer: Renderer, view: string, data: Record<string, unknown>, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Language', pageLocale(ctx));
  ctx.body = renderer.page(view, { returnTo: switchReturn(ctx), ...data }, pageLocale(ctx));
}

/** Interaction steps a GET shows again; the others are posts only, and /interaction/:uid shows the current step. */
const REPEATABLE_STEPS = new Set(['register', 'access-code', 'security-questions', 'enrol-questions', 'verify-email', 'abort']);

/**
 * Where the language switch returns: this page; after a form post, the page that shows the
 * form again (the post's own address answers POST only in some flows).
 */
function switchReturn(ctx: Context): string {
  if (ctx.method === 'GET') return ctx.originalUrl;
  const path = ctx.path.replace(/\/(resend|send-email)$/, '');
  if (path.startsWith('/account/')) return '/account';
  const step = /^(\/interaction\/[^/]+)(?:\/([^/]+))?/.exec(path);
  if (step) return step[2] && REPEATABLE_STEPS.has(step[2]) ? path : step[1]!;
  return path;
}
