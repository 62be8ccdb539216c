import { z } from 'zod';

/** Have I Been Pwned's k-anonymity range API: GET <url>/<first 5 hex of SHA-1>. */
export const PWNED_RANGE_URL = 'https://api.pwnedpasswords.com/range';

const rangeUrl = z.string().refine(
  (v) => {
    try {
      return ['http:', 'https:'].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  },
  { message: 'must be an http or https URL' },
);

/**
 * `password.breach_check`: new passwords are looked up in a breach corpus (NIST SP 800-63B
 * section 3.1.1.2; OWASP ASVS 4.0 V2.1.7) through the range API, so only the first five hex
 * digits of the password's SHA-1 leave the process. `url` may name a local mirror.
 * `enabled` unset means: on when NODE_ENV=production, off otherwise (withBreachCheckDefault),
 * so development, tests and `npm start` on a bare machine never send traffic off it.
 */
export const breachCheckSchema = z
  .object({
    enabled: z.boolean().optional(),
    url: rangeUrl.default(PWNED_RANGE_URL),
    timeout_ms: z.number().int().min(100).max(30_000).default(1500),
  })
  .strict()
  .prefault({});

export type BreachCheckPolicy = z.infer<typeof breachCheckSchema>;

/** Resolves an unset `enabled` from NODE_ENV; an explicit true or false in the policy file wins. */
export function withBreachCheckDefault<P extends { password: { breach_check: BreachCheckPolicy } }>(policy: P, production: boolean): P {
  const check = policy.password.breach_check;
  return check.enabled === undefined ? { ...policy, password: { ...policy.password, breach_check: { ...check, enabled: production } } } : policy;
}
