import { z } from 'zod';

/** A name the policy gives something people see: English, and Spanish when the operator has it. */
export const policyLabel = z
  .object({ en: z.string().trim().min(1).max(80), es: z.string().trim().min(1).max(80).optional() })
  .strict();

export type PolicyLabel = z.infer<typeof policyLabel>;

/** A label as the pages word policy texts: English, with its other languages. */
export function labelText(label: PolicyLabel): { text: string; translations: { es?: string } } {
  return { text: label.en, translations: label.es ? { es: label.es } : {} };
}
