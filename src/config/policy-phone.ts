import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';

/** ISO 3166-1 alpha-2 codes, as libphonenumber-js names a number's country. */
const country = z
  .string()
  .regex(/^[A-Z]{2}$/, { message: 'must be two capital letters (ISO 3166-1 alpha-2, e.g. "US")' })
  .refine((c) => isSupportedCountry(c), { message: 'is not a country with phone numbers libphonenumber-js knows' });

/**
 * The phone second step (a code by text message or voice call). Every message costs money and
 * a premium-rate or foreign destination can be made to cost a lot (toll fraud, "SMS pumping"),
 * so numbers are limited to `countries` and every code is capped per number, account and
 * address. Defaults: +1 (US) only, codes of 6 digits valid 5 minutes, one code per number per
 * 30 seconds, 5 per hour per number and per account, 20 per hour per address.
 */
export const phoneSchema = z
  .object({
    countries: z.array(country).min(1).default(['US']),
    code_ttl_minutes: z.number().min(1).max(15).default(5),
    max_attempts: z.number().int().min(1).max(10).default(5),
    min_seconds_between_codes: z.number().int().min(0).max(3600).default(30),
    per_number_per_hour: z.number().int().min(1).max(100).default(5),
    per_account_per_hour: z.number().int().min(1).max(100).default(5),
    per_ip_per_hour: z.number().int().min(1).max(10_000).default(20),
  })
  .strict()
  .prefault({});

export type PhonePolicy = z.infer<typeof phoneSchema>;
