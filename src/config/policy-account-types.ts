import { z } from 'zod';
import { identityCheckSchema } from './policy-identity-check.js';
import { labelText, policyLabel } from './policy-label.js';

/** The id stored in accounts.account_type; the keys of lockout.unlock_by_account_type and second_step.account_types. */
export const ACCOUNT_TYPE_ID = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be lowercase letters, digits or _ (at most 40), starting with a letter');

/** The type an account has when nothing chose one (the column's default, migrations/0004). */
export const DEFAULT_ACCOUNT_TYPE = 'member';


const accountType = z
  .object({
    id: ACCOUNT_TYPE_ID,
    /** Shown on the registration page ("I am a…"), in the page's language; English when that one is missing. */
    label: policyLabel,
    /** Whether people may pick this type themselves on the registration page. */
    self_registration: z.boolean().default(false),
    /**
     * Such an ID acts for an organisation: once its address is verified, "Your ID is ready"
     * sends it to register or join one by Tax ID (/account/organizations).
     */
    needs_organization: z.boolean().default(false),
    /** Whether forgot-password and forgot-username send codes (self_service) or send the help desk's words (help_desk). */
    recovery: z.enum(['self_service', 'help_desk']).default('self_service'),
    /** Who may make such an ID: fields asked at registration, checked by the plan's verifier (policy-identity-check.ts). */
    identity_check: identityCheckSchema.optional(),
  })
  .strict();

export type AccountType = z.infer<typeof accountType>;

/**
 * The seed portals' kinds of people: members register themselves and recover on their own;
 * providers, employers and brokers are set up and helped by the help desk.
 */
const defaultTypes: AccountType[] = [
  { id: 'member', label: { en: 'Member', es: 'Afiliado' }, self_registration: true, needs_organization: false, recovery: 'self_service' },
  { id: 'provider', label: { en: 'Provider', es: 'Proveedor' }, self_registration: false, needs_organization: true, recovery: 'help_desk' },
  { id: 'employer', label: { en: 'Employer', es: 'Empleador' }, self_registration: false, needs_organization: true, recovery: 'help_desk' },
  { id: 'broker', label: { en: 'Broker', es: 'Corredor de seguros' }, self_registration: false, needs_organization: false, recovery: 'help_desk' },
];

/**
 * The kinds of ID (accounts.account_type). A policy that lists its own replaces the defaults;
 * it must keep `member`, the type of every ID created without one, and let at least one type
 * register itself, the one "Create an ID" gives when it does not ask.
 */
export const accountTypesSchema = z
  .array(accountType)
  .min(1)
  .superRefine((types, ctx) => {
    const seen = new Set<string>();
    types.forEach((t, i) => {
      if (seen.has(t.id)) ctx.addIssue({ code: 'custom', message: `"${t.id}" is declared twice`, path: [i, 'id'] });
      seen.add(t.id);
    });
    if (!seen.has(DEFAULT_ACCOUNT_TYPE)) ctx.addIssue({ code: 'custom', message: `must declare "${DEFAULT_ACCOUNT_TYPE}", the type of IDs created without one` });
    if (!types.some((t) => t.self_registration)) ctx.addIssue({ code: 'custom', message: 'at least one type must allow self_registration' });
  })
  .default(() => defaultTypes.map((t) => ({ ...t, label: { ...t.label } })));

/** A type's label as the pages word policy texts: English, with its other languages. */
export function accountTypeLabel(type: AccountType): { text: string; translations: { es?: string } } {
  return labelText(type.label);
}

/** The types people may pick at registration, in the policy's order. */
export function selfRegistrable(types: readonly AccountType[]): AccountType[] {
  return types.filter((t) => t.self_registration);
}

/** How an ID of this type recovers; a type the policy does not declare (set by hand in SQL) as members do. */
export function recoveryOf(types: readonly AccountType[], accountType: string): AccountType['recovery'] {
  return types.find((t) => t.id === accountType)?.recovery ?? 'self_service';
}

/** Keys elsewhere in the policy that name types must name declared ones: the first that does not, as "field: message". */
export function undeclaredTypeProblem(types: readonly AccountType[], named: Record<string, readonly string[]>): { path: string[]; message: string } | undefined {
  const declared = types.map((t) => t.id);
  for (const [field, ids] of Object.entries(named)) {
    const unknown = ids.find((id) => !declared.includes(id));
    if (unknown) return { path: [...field.split('.'), unknown], message: `unknown account type "${unknown}" (declared in account_types: ${declared.join(', ')})` };
  }
  return undefined;
}
