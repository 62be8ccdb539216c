import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import type { RateLimits } from './rate-limits.js';

/** oidc-provider's own body limit (lib/shared/selective_body.js): larger bodies it refuses anyway. */
const BODY_LIMIT = 56 * 1024;

/** RFC 6749 §2.3.1: client_secret_basic carries the form-encoded client_id as the user name. */
function basicClientId(header: string): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function readable(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('readable', done).off('end', done).off('close', done);
      resolve();
    };
    req.once('readable', done).once('end', done).once('close', done);
  });
}

/**
 * Reads the form body and pushes it back with `unshift` (Node's documented way to un-consume
 * a stream), so oidc-provider still parses it itself: handing it a parsed body instead is
 * something its selective_body warns against.
 */
async function peekBody(req: IncomingMessage, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  while (received < length && !req.destroyed && !req.readableEnded) {
    const chunk = req.read() as Buffer | null;
    if (chunk === null) await readable(req);
    else {
      chunks.push(chunk);
      received += chunk.length;
    }
  }
  const body = Buffer.concat(chunks);
  if (body.length > 0 && !req.destroyed) req.unshift(body);
  return body;
}

async function formClientId(ctx: Context): Promise<string | undefined> {
  const length = ctx.request.length;
  if (!ctx.is('application/x-www-form-urlencoded') || length === undefined || length > BODY_LIMIT) return undefined;
  const body = await peekBody(ctx.req, length);
  return new URLSearchParams(body.toString('utf8')).get('client_id') ?? undefined;
}

/** Per-client limit on the token endpoint, before oidc-provider does any work. */
export function tokenRateLimit(limits: RateLimits, tokenPath = '/token'): Middleware {
  return async (ctx, next) => {
    if (!limits.limitsTokens || ctx.method !== 'POST' || ctx.path !== tokenPath) return next();
    const clientId = basicClientId(ctx.get('authorization')) ?? (await formClientId(ctx));
    if (clientId) await limits.tokenRequest(clientId, ctx.ip);
    return next();
  };
}
