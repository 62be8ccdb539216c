import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, describeIssue } from './errors.js';
import { instanceBrandingSchema } from './branding.js';
import { lockoutSchema, secondStepSchema } from './policy-sign-in.js';
import { rateLimitsSchema } from './policy-rate-limits.js';
import { breachCheckSchema } from './policy-password-breach.js';
import { ssoSessionSchema } from './policy-sso-session.js';
import { pendingIdsSchema } from './policy-pending-ids.js';
import { codeFailuresSchema, recoverySchema } from './policy-recovery.js';
import { accountTypesSchema, undeclaredTypeProblem } from './policy-account-types.js';
import { webhooksPolicySchema } from './policy-webhooks.js';
import { organizationsSchema } from './policy-organizations.js';

/**
 * Account policy. Defaults match the portals Portico replaces (their public guides) and the
 * OWASP Password Storage Cheat Sheet's argon2id minimum (m=19 MiB, t=2, p=1).
 */
/** Typical questions of the portals Portico replaces (the replaced portals' public guides). */
const defaultQuestions = [
  { id: 'first_pet', text: 'What was the name of your first pet?', translations: { es: '¿Cómo se llamaba su primera mascota?' } },
  { id: 'birth_city', text: 'In what city were you born?', translations: { es: '¿En qué ciudad nació?' } },
  { id: 'mother_maiden_name', text: "What is your mother's maiden name?", translations: { es: '¿Cuál es el apellido de soltera de su madre?' } },
  { id: 'first_school', text: 'What was the name of your first school?', translations: { es: '¿Cómo se llamaba su primera escuela?' } },
  { id: 'childhood_friend', text: 'What is the first name of your childhood best friend?', translations: { es: '¿Cuál es el nombre de su mejor amigo o amiga de la infancia?' } },
  { id: 'first_car', text: 'What was the make of your first car?', translations: { es: '¿De qué marca era su primer carro?' } },
  { id: 'childhood_street', text: 'What street did you live on as a child?', translations: { es: '¿En qué calle vivía cuando era niño o niña?' } },
  { id: 'favorite_teacher', text: 'What was the last name of your favorite teacher?', translations: { es: '¿Cuál era el apellido de su maestro o maestra favorito?' } },
];

/**
 * Self-registration ("Create an ID"). Defaults follow the Optum ID registration form
 * the username rules users of those portals already know, two security
 * questions, the terms they agree to, and a 10-digit activation code valid 24 hours.
 */
const registrationSchema = z
  .object({
    username: z
      .object({
        min_length: z.number().int().min(1).default(6),
        max_length: z.number().int().max(254).default(50),
        require_letter: z.boolean().default(true),
        allow_spaces: z.boolean().default(false),
        allow_accented_letters: z.boolean().default(false),
        forbidden_characters: z.string().default('%+"&[\\]^\'{|}<>#,/;():*=~'),
        // Sign-in takes a username or an email: a username shaped like someone's address would shadow it.
        allow_email_format: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Year of birth must be at least this many years ago. */
    minimum_age: z.number().int().min(0).max(120).default(13),
    security_questions: z
      .object({
        count: z.number().int().min(0).max(5).default(2),
        answer_min_length: z.number().int().min(1).default(3),
        questions: z
          // `text` is English; `translations` gives the question in the other languages of src/i18n.
          .array(z.object({ id: z.string().regex(/^[a-z0-9_-]{1,40}$/), text: z.string().min(1).max(200), translations: z.object({ es: z.string().min(1).max(200) }).partial().strict().optional() }).strict())
          .default(() => defaultQuestions.map((q) => ({ ...q }))),
      })
      .strict()
      .prefault({}),
    terms: z
      .object({
        version: z.string().min(1).default('2025-01'),
        terms_url: z.string().min(1).default('/terms'),
        privacy_url: z.string().min(1).default('/privacy'),
        /** Accepting a new version means typing one's first and last name as a signature. */
        require_signature: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    verification: z
      .object({
        code_ttl_hours: z.number().min(0.05).max(24 * 14).default(24),
        max_attempts: z.number().int().min(1).max(20).default(5),
        resend_throttle_seconds: z.number().int().min(0).default(60),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((r) => r.security_questions.questions.length >= r.security_questions.count, {
    message: 'must offer at least `count` questions',
    path: ['security_questions', 'questions'],
  })
  .refine((r) => new Set(r.security_questions.questions.map((q) => q.id)).size === r.security_questions.questions.length, {
    message: 'question ids must be unique',
    path: ['security_questions', 'questions'],
  })
  .prefault({});

const policySchema = z
  .object({
    password: z
      .object({
        min_length: z.number().int().min(8).default(8),
        max_length: z.number().int().max(1024).default(100),
        require_upper: z.boolean().default(true),
        require_lower: z.boolean().default(true),
        require_digit: z.boolean().default(true),
        forbidden_characters: z.string().default(' &'),
        breach_check: breachCheckSchema,
      })
      .strict()
      .prefault({}),
    argon2: z
      .object({
        memory_kib: z.number().int().min(8192).default(19456),
        time_cost: z.number().int().min(1).default(2),
        parallelism: z.number().int().min(1).default(1),
      })
      .strict()
      .prefault({}),
    sessions: z
      .object({
        access_token_ttl_seconds: z.number().int().min(60).default(3600),
        refresh_token_ttl_seconds: z.number().int().min(60).default(14 * 24 * 3600),
        id_token_ttl_seconds: z.number().int().min(60).default(3600),
        interaction_ttl_seconds: z.number().int().min(60).default(3600),
        /** Password, email and security-question changes need a sign-in this recent. */
        recent_auth_minutes: z.number().min(1).max(24 * 60).default(10),
      })
      .strict()
      .prefault({}),
    registration: registrationSchema,
    second_step: secondStepSchema,
    branding: instanceBrandingSchema,
    lockout: lockoutSchema,
    rate_limits: rateLimitsSchema,
    sso_session: ssoSessionSchema,
    pending_ids: pendingIdsSchema,
    recovery: recoverySchema,
    code_failures: codeFailuresSchema,
    account_types: accountTypesSchema,
    webhooks: webhooksPolicySchema,
    organizations: organizationsSchema,
  })
  .strict()
  .superRefine((policy, ctx) => {
    const problem = undeclaredTypeProblem(policy.account_types, {
      'lockout.unlock_by_account_type': Object.keys(policy.lockout.unlock_by_account_type),
      'second_step.account_types': Object.keys(policy.second_step.account_types),
    });
    if (problem) ctx.addIssue({ code: 'custom', ...problem });
  });

export type Policy = z.infer<typeof policySchema>;

export function parsePolicy(file: string, json: unknown): Policy {
  const result = policySchema.safeParse(json);
  if (!result.success) throw new ConfigError(`${file}: ${describeIssue(result.error.issues[0]!)}`);
  return result.data;
}

/** A missing policy file means the defaults; a present one must be valid. */
export function loadPolicy(file: string): Policy {
  if (!existsSync(file)) return parsePolicy(file, {});
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return parsePolicy(file, json);
}
