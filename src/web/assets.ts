import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Middleware } from 'koa';
import { publicDir } from '../paths.js';

/** Every .js file under `dir`, by its path relative to it (with forward slashes). */
function scriptsUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.js')) files.set(entry.split(path.sep).join('/'), readFileSync(path.join(dir, entry)));
  }
  return files;
}

/** The browser half of @simplewebauthn as its ES modules, from the installed package: no CDN, so the CSP's script-src 'self' holds. */
function webauthnBrowser(): Map<string, Buffer> {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return scriptsUnder(path.join(path.dirname(path.dirname(entry)), 'esm'));
}

const publicFile = (type: string, name: string) => ({ type, body: readFileSync(path.join(publicDir, name)) });

/**
 * The stylesheet, the scripts, the icons and the WebAuthn browser modules the passkey script
 * imports, read once into memory: a fixed list of files by exact path, so no general static
 * server. /favicon.ico is where browsers look for an icon on pages that link none (JSON, mail).
 */
export function assets(): Middleware {
  const files = new Map<string, { type: string; body: Buffer }>([
    ['/assets/portico.css', publicFile('text/css', 'portico.css')],
    ['/assets/passkey.js', publicFile('text/javascript', 'passkey.js')],
    ['/assets/comforts.js', publicFile('text/javascript', 'comforts.js')],
    ['/assets/favicon.svg', publicFile('image/svg+xml', 'favicon.svg')],
    ['/favicon.ico', publicFile('image/x-icon', 'favicon.ico')],
  ]);
  for (const [name, body] of webauthnBrowser()) files.set(`/assets/webauthn/${name}`, { type: 'text/javascript', body });
  return async (ctx, next) => {
    const file = files.get(ctx.path);
    if (!file || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  };
}
