import { z } from 'zod';

/**
 * How events are delivered to portals' webhooks. A delivery that fails is tried again after
 * first_retry_seconds, doubling up to max_retry_minutes; after max_attempts it is dead-lettered
 * (kept, status `dead`, never sent again). Fractional seconds are allowed (tests use them).
 */
export const webhooksPolicySchema = z
  .object({
    timeout_seconds: z.number().min(0.1).max(60).default(10),
    first_retry_seconds: z.number().min(0.05).max(3600).default(30),
    max_retry_minutes: z.number().min(0.01).max(24 * 60).default(60),
    // 30 s doubling to an hour: about a day of tries before an event is given up on.
    max_attempts: z.number().int().min(1).max(100).default(30),
    poll_interval_seconds: z.number().min(0.05).max(60).default(2),
  })
  .strict()
  .prefault({});
