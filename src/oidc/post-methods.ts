import type { Context } from 'koa';
import { hasControlCharacters } from '../control-characters.js';

/** oidc-provider's default routes that OIDC says take POST as well as GET. */
const POSTABLE = new Set(['/auth', '/session/end']);
const MAX_BODY_BYTES = 64 * 1024;

/**
 * OIDC Core §3.1.2.1 and RP-Initiated Logout 1.0 §2: the authorization and end-session
 * endpoints take POST with form serialization as well as GET. oidc-provider v9 serves POST
 * there only with `enableHttpPostMethods`, which it refuses unless the session cookie is
 * SameSite=None (its lib/helpers/configuration.js): Portico keeps SameSite=Lax and instead
 * hands the posted parameters to the GET handler, exactly as if they had come in the query.
 * A cross-site POST carries no Lax cookie, so it is answered as if there were no session
 * (README, "Portal integration").
 */
export async function postedParametersAsQuery(ctx: Context): Promise<void> {
  if (ctx.method !== 'POST' || !POSTABLE.has(ctx.path)) return;
  if (!ctx.is('application/x-www-form-urlencoded')) ctx.throw(400, 'Send the request parameters form-encoded (application/x-www-form-urlencoded).');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) ctx.throw(413, 'This request is too large.');
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  // web/input-guard.ts checks the query string before this point; the body now becomes one.
  if (hasControlCharacters([...new URLSearchParams(body)])) ctx.throw(400, 'This request contains characters that cannot be used. Go back, check what you typed and try again.');
  ctx.req.method = 'GET';
  ctx.req.url = `${ctx.path}?${[ctx.querystring, body].filter(Boolean).join('&')}`;
  delete ctx.req.headers['content-length'];
  delete ctx.req.headers['content-type'];
  delete ctx.req.headers['transfer-encoding'];
}
