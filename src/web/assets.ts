import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Middleware } from 'koa';
import { publicDir } from '../paths.js';

/** The stylesheet, read once: the pages need nothing else, so no general static server. */
export function assets(): Middleware {
  const css = readFileSync(path.join(publicDir, 'portico.css'));
  return async (ctx, next) => {
    if (ctx.path !== '/assets/portico.css' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = css;
  };
}
