import { z } from 'zod';
import { phoneSchema } from './policy-phone.js';

/** A second-step method's id (src/methods/index.ts lists them; the server checks them at start-up). */
const METHOD_ID = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/);

/**
 * The second step after the password, remembered devices and lockout. Defaults:
 * the seed portals' 6-digit emailed access code valid 10 minutes, security questions as the
 * alternative, devices remembered 180 days, 5 consecutive failures lock the account.
 */
export const secondStepSchema = z
  .object({
    /**
     * Offered in this order, stronger methods first (a passkey, then an authenticator app, before
     * the rest); security_questions only to accounts that have answers, passkey and
     * authenticator_app only to accounts that set one up. Ids of src/methods/index.ts's list: the server refuses to start on an
     * unknown one.
     */
    methods: z.array(METHOD_ID).min(1).default(['passkey', 'authenticator_app', 'email_code', 'security_questions']),
    /**
     * Per account type (accounts.account_type): `methods`, the ones people of that type may use
     * (instead of `methods`, same order rules); `must_have`, a list of which each person of that
     * type must have set up at least one: one who has none sets up the first of them that can be
     * set up in a sign-in (the authenticator app, say) after proving themselves with what they
     * have. Types not listed follow `methods` and the require_* switches.
     */
    account_types: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
        z.object({ methods: z.array(METHOD_ID).min(1).optional(), must_have: z.array(METHOD_ID).min(1).optional() }).strict(),
      )
      .default({}),
    /** Accounts without answers enrol them after their second step, once. */
    require_security_questions: z.boolean().default(true),
    /** Accounts without an authenticator app set one up after their second step, once the policy lists it. */
    require_authenticator_app: z.boolean().default(false),
    trusted_device_days: z.number().int().min(0).max(3650).default(180),
    access_code: z
      .object({
        length: z.number().int().min(6).max(10).default(6),
        ttl_minutes: z.number().min(1).max(60).default(10),
        max_attempts: z.number().int().min(1).max(20).default(5),
        resend_throttle_seconds: z.number().int().min(0).default(30),
      })
      .strict()
      .prefault({}),
    /** A code by text message or voice call (policy-phone.ts); offered only when `methods` lists "phone". */
    phone: phoneSchema,
  })
  .strict()
  .prefault({});

export type SecondStepPolicy = z.infer<typeof secondStepSchema>;

/** The method ids an account of this type may use: its own list in account_types, else the policy's. */
export function methodIdsFor(secondStep: SecondStepPolicy, account: { account_type: string }): readonly string[] {
  return secondStep.account_types[account.account_type]?.methods ?? secondStep.methods;
}

/** Whether the locked page's help-desk words are still the default (a portal's own phone then replaces them). */
export const isDefaultHelpDesk = (text: string): boolean => text === DEFAULT_HELP_DESK.text;

const DEFAULT_HELP_DESK = {
  text: "Call the help desk number on your portal's sign-in page.",
  translations: { es: 'Llame al número de la mesa de ayuda que aparece en la página de inicio de sesión de su portal.' },
};

export const lockoutSchema = z
  .object({
    max_failed_passwords: z.number().int().min(1).max(100).default(5),
    max_failed_answers: z.number().int().min(1).max(100).default(5),
    /** Wrong codes at the sign-in's second step in a row, of any kind: the app's (recovery codes included), emailed, phone. */
    max_failed_codes: z.number().int().min(1).max(100).default(5),
    /**
     * Warns "1 try left" on the wrong password before the one that locks. Off by default: it
     * tells whoever types that the lock is one try away. Unknown names are warned at the same
     * count (lockout-decoys.ts), so it does not tell which usernames exist.
     */
    warn_last_try: z.boolean().default(false),
    /**
     * smart: a lock stops sign-ins from browsers the ID has not remembered, while a remembered
     * one may still sign in with the right password (and so re-enables the ID); hard: the ID is
     * disabled until it is unlocked (README, "Security").
     */
    mode: z.enum(['smart', 'hard']).default('smart'),
    /** How a locked account is re-enabled, by account type; other types use `default_unlock`. */
    default_unlock: z.enum(['self_service', 'help_desk']).default('self_service'),
    unlock_by_account_type: z.record(z.string(), z.enum(['self_service', 'help_desk'])).default({}),
    unlock_link_ttl_hours: z.number().min(0.1).max(24 * 7).default(24),
    /** Shown on the locked page to accounts that only the help desk may re-enable. */
    help_desk: z.string().min(1).max(300).default(DEFAULT_HELP_DESK.text),
    /** `help_desk` in the other languages of src/i18n; a language without it shows `help_desk`. */
    help_desk_translations: z.object({ es: z.string().min(1).max(300) }).partial().strict().default({}),
  })
  .strict()
  // The default text comes with its translations; an operator's own text only with theirs.
  .transform((lockout) => (lockout.help_desk === DEFAULT_HELP_DESK.text ? { ...lockout, help_desk_translations: { ...DEFAULT_HELP_DESK.translations, ...lockout.help_desk_translations } } : lockout))
  .prefault({});
