import type { Policy } from '../config/policy.js';
import type { Msg, Text } from '../i18n/index.js';
import type { AuditOrigin } from '../identity/audit.js';
import type { Acr } from '../identity/second-step/assurance.js';
import type { PasswordHasher } from '../identity/passwords.js';
import type { PhoneGateway } from '../notify/phone-gateway.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';

/** What a method may use: the stores and the policy, never the HTTP request (no Koa here). */
export interface MethodEnv {
  db: Db;
  hasher: PasswordHasher;
  /** `issuer`: the relying party of passkeys (its hostname is the rpID, its origin the one expected). */
  config: { policy: Policy; issuer: string };
  /** Where texts and calls go (the phone method). */
  phone: PhoneGateway;
}

/** One sign-in at its second step: the interaction it is bound to, its account, where from. */
export interface MethodStep {
  uid: string;
  account: Account;
  origin: AuditOrigin;
}

/** Words shown above the form (notice, alert) or beside its field (fieldError). */
export interface StepMessages {
  fieldError?: Text;
  alert?: Text;
  notice?: Text;
  /** The method cannot reach the person now (a phone gateway failed): the page lists the other ways first. */
  tryAnotherWay?: boolean;
}

/** The view and its data; the page adds the form's action, CSRF token and the other methods. */
export interface MethodPage {
  view: string;
  data: Record<string, unknown>;
}

/** The outcome of a submitted form: done, the account locked, or the page again with words. */
export type Verified =
  /**
   * `amr`: what this proof states instead of the method's own (a recovery code instead of the app).
   * `setUpAgain`: the proof stood in for the method's device (a recovery code: the phone is
   * likely lost), so the sign-in offers setting the method up again (its `again`).
   */
  | { ok: true; amr?: string; setUpAgain?: boolean }
  | { ok: false; locked: true } | { ok: false; locked?: false; messages: StepMessages; status: number };

/** A button of the method's page other than the main form, e.g. "Send a new code". */
export type MethodAction = (env: MethodEnv, step: MethodStep) => Promise<{ messages: StepMessages; status: number }>;

/**
 * The outcome of an enrolment form: done; done once `show` was seen (e.g. recovery codes shown
 * once: its form posts to the enrolment again, which then answers done); or the page again
 * with its fields' problems.
 */
export type Enrolled = { ok: true; show?: MethodPage } | { ok: false; values: Record<string, string>; errors: Record<string, Msg>; status: number };

/**
 * Setting a method up during a sign-in, for an account the policy requires to have it (e.g.
 * security questions): the flows give it a page at /interaction/:uid/<path> after the proof.
 */
export interface MethodEnrolment {
  path: string;
  /** Whether the policy requires every account to have this method. */
  required(env: MethodEnv): boolean;
  /** Whether this account has it set up (beyond being offered it now). */
  isEnrolled(env: MethodEnv, account: Account): Promise<boolean>;
  render(env: MethodEnv, step: MethodStep): MethodPage | Promise<MethodPage>;
  submit(env: MethodEnv, step: MethodStep, form: Record<string, unknown>): Promise<Enrolled>;
}

/**
 * Setting a method up again during a sign-in, after a proof that stood in for its device. What
 * is set up replaces the old only once confirmed: until then the old still works. The flows
 * give it a page at /interaction/:uid/<path>, which the person may put off ("Not now") unless
 * the policy leaves the account no other way to meet what its type must have.
 */
export interface MethodReplacement {
  path: string;
  render(env: MethodEnv, step: MethodStep): Promise<MethodPage>;
  submit(env: MethodEnv, step: MethodStep, form: Record<string, unknown>): Promise<Enrolled>;
}

/**
 * A second step after the password. Adding one is a module implementing this, one line in
 * index.ts, its view and its words. The flows give it a page at /interaction/:uid/<path>,
 * a POST there for `verify`, and a POST at /interaction/:uid/<path>/<action> for each action.
 */
export interface SecondStepMethod {
  /** The name in the policy's second_step.methods. */
  id: string;
  /** Its page under /interaction/:uid/. */
  path: string;
  /** RFC 8176 §2 value added to the password's `pwd` when the method succeeds. */
  amr: string;
  /** Its assurance level (OIDC Core §2 acr, one of ACR): a portal demanding more is not offered it. */
  acr: Acr;
  /** The link offering this method from another method's page ("Use another way"). */
  offerLabel: Text;
  /**
   * Offered before methods of less (or no) strength, whatever the policy's order: an account
   * that set up an authenticator app is asked for it first. Equal strengths keep the policy's order.
   */
  strength?: number;
  /** Offered when the policy's methods leave an account none. */
  fallback?: boolean;
  /** Whether this account can use it now (beyond the policy listing it). */
  isAvailable(env: MethodEnv, account: Account): Promise<boolean>;
  /** Runs when the password's POST sends the sign-in to this method (e.g. mails the code). */
  start?(env: MethodEnv, step: MethodStep): Promise<void>;
  /** `after`: the page follows a POST on this method (verify or an action), not a plain GET. */
  render(env: MethodEnv, step: MethodStep, after?: 'post'): Promise<MethodPage>;
  verify(env: MethodEnv, step: MethodStep, form: Record<string, unknown>): Promise<Verified>;
  actions?: Record<string, MethodAction>;
  /** After `verify` succeeded, before the sign-in finishes. */
  succeeded?(env: MethodEnv, step: MethodStep): Promise<void>;
  /** How an account sets it up in a sign-in, when the policy requires it. */
  enrol?: MethodEnrolment;
  /** How an account sets it up again in a sign-in, after a proof that stood in for it. */
  again?: MethodReplacement;
}
