import type { Locale } from './i18n/index.js';

/**
 * What renders a page, apart from how (web/render.ts, Eta): oidc/ draws its error and logout
 * pages through it and cannot import web/ (.dependency-cruiser.cjs, oidc-does-not-reach-up).
 */
export interface Renderer {
  /** Renders a view inside the layout; the view's data is HTML-escaped by default. */
  page(view: string, data: Record<string, unknown>, locale?: Locale): string;
}
