import type { Context } from 'koa';

export function cookieOptions(ctx: Context, maxAgeMs?: number) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: '/', overwrite: true, signed: false, maxAge: maxAgeMs };
}

/**
 * A cookie of Portico's own pages. Over TLS it is named `__Host-<name>`: browsers then insist
 * on Secure, Path=/ and no Domain (RFC 6265bis §4.1.3.2), so neither a sibling subdomain nor a
 * plain-http response can plant or overwrite it. Plain http (development, tests) keeps the
 * bare name, which browsers would refuse with the prefix.
 */
export function hostCookie(name: string) {
  const nameFor = (ctx: Context) => (ctx.secure ? `__Host-${name}` : name);
  return {
    get: (ctx: Context) => ctx.cookies.get(nameFor(ctx)) || undefined,
    set: (ctx: Context, value: string, maxAgeMs?: number) => void ctx.cookies.set(nameFor(ctx), value, cookieOptions(ctx, maxAgeMs)),
    clear: (ctx: Context) => void ctx.cookies.set(nameFor(ctx), null, cookieOptions(ctx)),
  };
}
