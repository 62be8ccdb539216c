import { defineFlow } from './machine.js';
import type { Flow } from './flow-record.js';

/**
 * A browser's pending email verification, keyed by a random id in its cookie. It starts when a
 * registration creates an unverified ID or a sign-in finds one, with a code mailed (or, for an
 * address another ID owns, with no account behind it and nothing sent, so the page cannot be
 * told apart). A resend or a new address mails a new code and pushes the expiry on; the flow
 * ends when this browser learns the address is proved (its code, or the link anywhere), and
 * its record goes. An expired record is never found again. Diagram: verification.md.
 */
export const verificationFlow = defineFlow({
  kind: 'verification',
  initial: 'start',
  final: ['verified'],
  discard: ['verified'],
  // The creator passes the code's lifetime (policy); this is the policy's default.
  ttlSeconds: 24 * 3600,
  transitions: {
    start: { registered: 'code_sent', sign_in_unverified: 'code_sent' },
    code_sent: { resent: 'code_sent', email_changed: 'code_sent', verified: 'verified' },
    verified: {},
  },
});

export type VerificationState = keyof typeof verificationFlow.transitions;
export type VerificationEvent = { [S in VerificationState]: keyof (typeof verificationFlow.transitions)[S] }[VerificationState];
export type VerificationStart = keyof (typeof verificationFlow.transitions)['start'];

export interface VerificationData {
  /** The address the last code went to (or would have, with no account). */
  destination: string;
  /** The portal's authorization to return to once verified; absent on /verify-email alone. */
  interactionUid?: string;
  /** ISO time of the last mail, for the resend throttle of a flow with no account. */
  lastSentAt: string;
}
export type VerificationFlow = Flow<VerificationState, VerificationData>;
