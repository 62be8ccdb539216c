import { defineFlow } from './machine.js';
import type { Flow } from './flow-record.js';
import type { Acr } from '../second-step/assurance.js';

/**
 * A sign-in through Portico's pages, keyed by its oidc-provider interaction uid. Before a right
 * password it has no record (`password`, the initial state); a password sent again starts it
 * over. A passkey may stand for the password and the second step together (`passkey_verified`).
 * A recovery code typed for the app (the phone likely lost) leads to `set_up_again`, which the
 * person may put off unless the policy requires the app; a method still due is set up after it.
 * `locked` is kept so the locked page's "send email" knows the account without asking the
 * browser; `done` deletes the record, and the interaction carries the result to the portal.
 * Diagram: sign-in.md.
 */
export const signInFlow = defineFlow({
  kind: 'sign_in',
  initial: 'password',
  final: ['done', 'locked'],
  discard: ['done'],
  ttlSeconds: 3600,
  transitions: {
    password: {
      password_ok: 'second_step',
      email_unverified: 'verify_email',
      trusted_device: 'done',
      locked: 'locked',
      // A passkey with user verification instead of the password: both factors at once, so no second step.
      passkey_verified: 'done',
      passkey_must_enrol: 'enrol',
    },
    verify_email: { verified: 'done', must_enrol: 'enrol' },
    second_step: { verified: 'done', must_enrol: 'enrol', locked: 'locked', recovery_code: 'set_up_again' },
    set_up_again: { replaced: 'done', not_now: 'done', must_enrol: 'enrol' },
    enrol: { enrolled: 'done' },
    locked: {},
    done: {},
  },
});

export type SignInState = keyof typeof signInFlow.transitions;
export interface SignInData {
  /** RFC 8176 values proved so far. */
  amr: string[];
  /**
   * Set when the second step starts: the ids of the methods offered to the account, and the
   * method it must set up afterwards (null: none). Asked once per sign-in, not on every page.
   */
  offered?: string[];
  mustEnrol?: string | null;
  /** The level proved before the enrol step (set with must_enrol or recovery_code), which the enrolment may raise. */
  acr?: Acr;
  /** The method being set up again (set with recovery_code), and whether its replacement was confirmed (its recovery codes shown). */
  setUpAgain?: string;
  replaced?: boolean;
}
export type SignInFlow = Flow<SignInState, SignInData>;
