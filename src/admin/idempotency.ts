import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import type { AdminService } from '../identity/services/admin.js';
import { Problem } from './problems.js';

/** Printable ASCII, as a structured-field string carries it; the key is the caller's choice. */
const KEY = /^[\x20-\x7e]{1,200}$/;

/** The header's value, or undefined without one; a bad one is a 400 problem. */
export function idempotencyKeyOf(ctx: Context): string | undefined {
  const raw = ctx.get('Idempotency-Key');
  if (!raw) return undefined;
  // Structured field (RFC 8941) string: "key"; a bare token is taken as it is too.
  const key = /^"(.*)"$/.exec(raw)?.[1] ?? raw;
  if (!KEY.test(key)) {
    throw new Problem('invalid-request', 'Idempotency-Key: at most 200 printable ASCII characters', { errors: [{ in: 'header', field: 'Idempotency-Key', message: 'at most 200 printable ASCII characters' }] });
  }
  return key;
}

/**
 * Runs a write once per key: a retry with the same key and request answers the stored first
 * answer (Idempotent-Replayed: true); the same key with another path or body is 422; a retry
 * while the first still runs is 409. A write that throws frees its key.
 */
export async function once(ctx: Context, idempotency: AdminService['idempotency'], client: string, key: string, body: unknown, run: () => Promise<unknown>): Promise<unknown> {
  const fingerprint = createHash('sha256').update(JSON.stringify([ctx.method, ctx.path, body ?? null])).digest('base64url');
  const claim = await idempotency.claim(client, key, fingerprint);
  if (claim.state === 'mismatch') throw new Problem('idempotency-key-reused', 'This Idempotency-Key was used with another path or body; use a new key for a new request.');
  if (claim.state === 'in_flight') throw new Problem('idempotency-key-in-use', 'The first request with this Idempotency-Key has not finished; retry shortly.', {}, { 'Retry-After': '1' });
  if (claim.state === 'replay') {
    ctx.set('Idempotent-Replayed', 'true');
    return claim.body;
  }
  let answer: unknown;
  try {
    answer = await run();
  } catch (error) {
    await idempotency.release(client, key).catch(() => {});
    throw error;
  }
  await idempotency.complete(client, key, 200, answer);
  return answer;
}
