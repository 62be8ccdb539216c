/*
 * NUL and the other C0 control characters (bar tab, line feed and carriage return) and DEL are
 * never typed into a form or a protocol parameter, and PostgreSQL refuses NUL in text. Shared
 * by web/input-guard.ts and oidc/post-methods.ts, which may not import web/
 * (.dependency-cruiser.cjs, oidc-does-not-reach-up).
 */
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** True when a string, or any key or string inside a parsed query or form (arrays, nested objects), has one. */
export function hasControlCharacters(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return FORBIDDEN.test(value);
  if (value === null || typeof value !== 'object' || depth > 8) return false;
  if (Array.isArray(value)) return value.some((item) => hasControlCharacters(item, depth + 1));
  return Object.entries(value).some(([key, item]) => FORBIDDEN.test(key) || hasControlCharacters(item, depth + 1));
}
