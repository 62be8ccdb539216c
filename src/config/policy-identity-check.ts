import { z } from 'zod';
import { ConfigError } from './errors.js';
import { httpVerifierSettings, httpVerifierShape, type HttpVerifier } from './http-verifier.js';
import { policyLabel, type PolicyLabel } from './policy-label.js';

/**
 * What a registration field may be: free text up to a length (a member ID, a provider's name)
 * or a calendar date (a date of birth). The verifier decides what matches; these only keep
 * nonsense from reaching it.
 */
const fieldId = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be lowercase letters, digits or _, starting with a letter');
const checkField = z.discriminatedUnion('kind', [
  z.object({ id: fieldId, kind: z.literal('text'), label: policyLabel, max_length: z.number().int().min(1).max(200).default(64) }).strict(),
  z.object({ id: fieldId, kind: z.literal('date'), label: policyLabel }).strict(),
]);

export type CheckField = { id: string; label: PolicyLabel } & ({ kind: 'text'; maxLength: number } | { kind: 'date' });

/** Claims Portico or the protocol already give: a check's claim must not shadow one. */
const TAKEN_CLAIMS = new Set(['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'nonce', 'azp', 'at_hash', 'c_hash', 's_hash', 'sid', 'acr', 'amr', 'name', 'given_name', 'family_name', 'preferred_username', 'email', 'email_verified', 'account_type', 'organizations']);

/**
 * An account type's identity check: before such an ID is made, the verifier is asked whether
 * the fields typed at registration name someone of the plan's; its subject id is then released
 * as `claim` to the portals listed (client ids of the clients file), and to no other.
 */
export const identityCheckSchema = z
  .object({
    ...httpVerifierShape,
    fields: z
      .array(checkField)
      .min(1)
      .max(6)
      .refine((fields) => new Set(fields.map((f) => f.id)).size === fields.length, 'field ids must be unique'),
    claim: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be lowercase letters, digits or _, starting with a letter')
      .refine((claim) => !TAKEN_CLAIMS.has(claim), 'is a claim Portico already gives')
      .default('plan_subject_id'),
    portals: z.array(z.string().min(1).max(200)).default([]),
  })
  .strict()
  .transform((check): IdentityCheck => ({
    verifier: httpVerifierSettings(check),
    fields: check.fields.map((f) => (f.kind === 'text' ? { id: f.id, label: f.label, kind: f.kind, maxLength: f.max_length } : { id: f.id, label: f.label, kind: f.kind })),
    claim: check.claim,
    portals: [...new Set(check.portals)],
  }));

export interface IdentityCheck {
  verifier: HttpVerifier;
  fields: CheckField[];
  claim: string;
  portals: string[];
}

/** Where a check sits in the policy file, for one-line errors. */
export const checkPath = (typeIndex: number) => `account_types[${typeIndex}].identity_check`;

/** The first portal a check names that the clients file does not declare, as "field: message". */
export function unknownPortalProblem(types: readonly { identity_check?: IdentityCheck }[], clientIds: ReadonlySet<string>): string | undefined {
  for (const [index, type] of types.entries()) {
    const unknown = type.identity_check?.portals.find((id) => !clientIds.has(id));
    if (unknown) return `${checkPath(index)}.portals: unknown client "${unknown}" (not in the clients file)`;
  }
  return undefined;
}

/**
 * The types with each check's verifier secret read from the environment (by the server and
 * `clients check`, as portals' secrets are). Throws ConfigError for an unset variable.
 */
export function withCheckSecrets<T extends { identity_check?: IdentityCheck }>(types: readonly T[], readSecret: (variable: string) => string | undefined, file: string): T[] {
  return types.map((type, index) => {
    const check = type.identity_check;
    if (!check || check.verifier.secret) return type;
    const secret = readSecret(check.verifier.secretEnv);
    if (!secret) throw new ConfigError(`${file}: ${checkPath(index)}.secret_env: ${check.verifier.secretEnv} is not set`);
    return { ...type, identity_check: { ...check, verifier: { ...check.verifier, secret } } };
  });
}
