import { Eta } from 'eta';
import type { Context } from 'koa';
import { viewsDir } from '../paths.js';
import type { Renderer } from '../renderer.js';

export type { Renderer };

export function createRenderer(options: { production: boolean; productName?: string }): Renderer {
  const eta = new Eta({ views: viewsDir, cache: options.production, autoEscape: true, autoTrim: false });
  const productName = options.productName ?? 'Portico';
  return {
    page: (view, data) => eta.render(`./${view}`, { productName, ...data }),
  };
}

export function sendPage(ctx: Context, renderer: Renderer, view: string, data: Record<string, unknown>, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = renderer.page(view, data);
}
