import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

/**
 * CSRF tokens bound to what the form acts on (an interaction uid, an account session): an
 * HMAC under a server secret, so no server-side state, compared in constant time.
 */
export class Csrf {
  readonly #key: string;

  constructor(secret: string) {
    this.#key = secret;
  }

  token(binding: string): string {
    return createHmac('sha256', this.#key).update(`csrf:${binding}`).digest('base64url');
  }

  verify(binding: string, candidate: unknown): boolean {
    if (typeof candidate !== 'string') return false;
    const expected = Buffer.from(this.token(binding));
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** A cross-origin form post is refused even with a token (Fetch Metadata / Origin check). */
export function isCrossOrigin(ctx: Context, issuerOrigin: string): boolean {
  if (ctx.get('sec-fetch-site') === 'cross-site') return true;
  const origin = ctx.get('origin');
  return origin !== '' && origin !== 'null' && origin !== issuerOrigin;
}
