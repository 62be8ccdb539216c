import type { Context, Middleware } from 'koa';
import { defaultLocale, firstSupported, isLocale, locales, type Locale } from '../i18n/index.js';
import { runWithLocale } from '../i18n/request-locale.js';
import { hostCookie } from './cookies.js';
import { isCrossOrigin } from './csrf.js';

/** The language the person chose with the switch on every page (a preference, not a secret). */
export const languageCookie = hostCookie('portico_lang');
const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * The page's language: the person's own choice on the switch first, then the portal's
 * `ui_locales` (OIDC Core 1.0 §3.1.2.1: "End-User's preferred languages ... represented as a
 * space-separated list of BCP47 [RFC5646] language tag values, ordered by preference"), set by
 * the interaction loader, then the browser's Accept-Language (RFC 9110 §12.5.4), then English.
 */
export function pageLocale(ctx: Context): Locale {
  const chosen = languageCookie.get(ctx);
  if (isLocale(chosen)) return chosen;
  const uiLocales = ctx.state.uiLocales;
  if (typeof uiLocales === 'string') {
    const fromPortal = firstSupported(uiLocales.split(' ').filter(Boolean));
    if (fromPortal) return fromPortal;
  }
  const accepted = ctx.acceptsLanguages([...locales]);
  return isLocale(accepted) ? accepted : defaultLocale;
}

/**
 * Makes the page's language known to code that queues mail during this request, without
 * passing it through every domain function; and serves the language switch: a plain form
 * post (it works without JavaScript) that remembers the choice and returns to the page.
 */
export function localeMiddleware(issuerOrigin: string): Middleware {
  return async (ctx, next) => {
    if (ctx.path === '/language' && ctx.method === 'POST') return switchLanguage(ctx, issuerOrigin);
    return runWithLocale(() => pageLocale(ctx), next);
  };
}

async function switchLanguage(ctx: Context, issuerOrigin: string): Promise<void> {
  const form = new URLSearchParams(await readBody(ctx));
  const lang = form.get('lang');
  if (isCrossOrigin(ctx, issuerOrigin) || !isLocale(lang)) {
    ctx.status = 400;
    ctx.body = 'Bad request';
    return;
  }
  languageCookie.set(ctx, lang, YEAR_MS);
  ctx.status = 303;
  ctx.redirect(safeReturn(form.get('return')));
}

/** Only a path on this server: never another site (an open redirect, OWASP ASVS 5.1.5). */
export function safeReturn(value: string | null): string {
  return value && /^\/(?![/\\])/.test(value) && !/[\u0000-\u001f\u007f]/.test(value) ? value : '/account';
}

async function readBody(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4096) ctx.throw(413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
