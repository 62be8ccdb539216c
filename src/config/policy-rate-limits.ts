import { z } from 'zod';

/** `points` attempts per `duration_seconds`; 0 points turns that limit off. */
const window = (points: number, durationSeconds: number) =>
  z
    .object({
      points: z.number().int().min(0).max(1_000_000).default(points),
      duration_seconds: z.number().int().min(1).max(7 * 24 * 3600).default(durationSeconds),
    })
    .strict()
    .prefault({});

const perIpAndAccount = (ip: [number, number], account: [number, number]) =>
  z
    .object({ per_ip: window(...ip), per_account: window(...account) })
    .strict()
    .prefault({});

/**
 * Rate limits (ASVS 4.0 V11.1.4, V2.2.1). Per-IP limits are generous because a provider office or an employer sits
 * behind one NAT address; per-account limits are tighter (lockout already stops guessing one
 * password after 5 failures, these stop the rest: code spraying, mail bombing, scraping).
 * "account" is the username or email typed, or the account a flow belongs to.
 */
export const rateLimitsSchema = z
  .object({
    sign_in: perIpAndAccount([100, 600], [20, 600]),
    /** Emailed codes and security answers: second step, email verification, recovery. */
    codes: perIpAndAccount([60, 600], [20, 600]),
    registration: perIpAndAccount([30, 3600], [5, 3600]),
    recovery: perIpAndAccount([30, 3600], [10, 3600]),
    legacy_link: perIpAndAccount([60, 600], [20, 600]),
    /** The token endpoint, per client and source address (see web/token-rate-limit.ts). */
    token: z.object({ per_client: window(6000, 60) }).strict().prefault({}),
  })
  .strict()
  .prefault({});

export type RateLimitsPolicy = z.infer<typeof rateLimitsSchema>;
export type RateLimitedAction = Exclude<keyof RateLimitsPolicy, 'token'>;
