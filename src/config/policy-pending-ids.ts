import { z } from 'zod';

/**
 * IDs whose email address is not verified yet, and the mails sent to addresses nobody has
 * proved. An unverified ID holds a username and an address it may not own (a pre-registration
 * hijack starts there), so it lapses; and a form that mails any address is capped per address
 * (OWASP ASVS 4.0 2.5.x, 11.1.4: anti-automation on functions that send messages).
 */
export const pendingIdsSchema = z
  .object({
    /** An ID whose address is still unverified this long after it was created is deleted. */
    unverified_ttl_days: z.number().min(0.01).max(365).default(7),
    /** Registration and verification mails to one address within the window; 0 turns the cap off. */
    mails_per_address: z.number().int().min(0).max(1000).default(10),
    mails_window_hours: z.number().min(0.01).max(24 * 30).default(24),
  })
  .strict()
  .prefault({});
