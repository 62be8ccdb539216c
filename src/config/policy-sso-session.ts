import { z } from 'zod';

/**
 * How long a sign-in at Portico serves single sign-on before the password is asked again.
 * NIST SP 800-63B-4 AAL2 reauthentication: at least once per 24 hours (absolute), and after
 * at most an hour of inactivity (idle); SP 800-63B rev. 3 §4.2.3 asked for 12 hours and 30
 * minutes, which an operator may still set. Fractional values are allowed (tests use seconds).
 */
export const ssoSessionSchema = z
  .object({
    idle_timeout_minutes: z.number().min(1 / 60).max(24 * 60).default(60),
    absolute_lifetime_hours: z.number().min(1 / 3600).max(30 * 24).default(24),
  })
  .strict()
  .prefault({});
