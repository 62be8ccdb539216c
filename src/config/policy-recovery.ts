import { z } from 'zod';

/**
 * "Forgot password" and the account-wide count of failed one-time codes.
 *
 * Recovery reaches the ID with a username alone, so its proof is the emailed code, longer than
 * the sign-in access code. Knowledge-based answers are not an authenticator (NIST SP 800-63B
 * §3.1.1.2, OWASP ASVS 4.0 §2.5.2): the seed portals' questions may be asked as well, never instead;
 * `allow_answers_alone` brings the old "answers instead of the code" back for compatibility and
 * falls below NIST SP 800-63B and ASVS: it is off by default.
 */
export const recoverySchema = z
  .object({
    code_length: z.number().int().min(8).max(12).default(10),
    /** After the code, an ID that has security answers also answers them. */
    ask_security_questions: z.boolean().default(true),
    allow_answers_alone: z.boolean().default(false),
  })
  .strict()
  .prefault({});

/**
 * Failed one-time codes are counted per account across codes and purposes until a success
 * (NIST SP 800-63B §3.2.2, which allows at most 100 consecutive failures). From `backoff_after`
 * failures each further check waits twice as long as the last (from `backoff_base_seconds`, at
 * most `backoff_max_seconds`); at `max_failures` that door's codes are refused until a success.
 */
export const codeFailuresSchema = z
  .object({
    backoff_after: z.number().int().min(1).max(100).default(10),
    backoff_base_seconds: z.number().int().min(1).max(3600).default(1),
    backoff_max_seconds: z.number().int().min(1).max(86_400).default(3600),
    max_failures: z.number().int().min(1).max(100).default(100),
  })
  .strict()
  .refine((c) => c.backoff_after <= c.max_failures, { message: 'backoff_after must not exceed max_failures', path: ['backoff_after'] })
  .prefault({});
