import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * How a delivery is signed (README "Events to portals"): Portico-Signature is
 * `v1=<hex HMAC-SHA256 of "<Portico-Timestamp>.<body>">` keyed by the webhook's secret. The
 * timestamp inside the signed text lets a receiver refuse an old delivery played again.
 */

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: the signature matches and the timestamp is within `toleranceSeconds` of now. */
export function verifyWebhook(secret: string, headers: { signature: string; timestamp: string }, body: string, toleranceSeconds = 300, now = Date.now()): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
