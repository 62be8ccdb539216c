import { defineFlow } from './machine.js';

/**
 * "Create an ID". It has no record of its own: the valid form creates the unverified ID and
 * its verification flow in one transaction, so nothing is pending between the two, and the
 * verification flow (its `interactionUid`) carries the registration until the address is
 * proved. Then, outside a portal, "Your ID is ready"; from a portal's sign-in page, the
 * portal's sign-in flow takes over (at its `verify_email`, amr pwd + otp). Diagram:
 * registration.md.
 */
export const registrationFlow = defineFlow({
  kind: 'registration',
  initial: 'form',
  final: ['done', 'sign_in'],
  // No record, so no lifetime: the verification flow's expiry is the registration's.
  ttlSeconds: 0,
  transitions: {
    // From an organisation's invitation link, with the invited address kept: proved by the link.
    form: { registered: 'verify_email', registered_invited: 'done' },
    verify_email: { verified: 'done', verified_in_portal: 'sign_in' },
    done: {},
    sign_in: {},
  },
});

export type RegistrationState = keyof typeof registrationFlow.transitions;
export type RegistrationEvent = { [S in RegistrationState]: keyof (typeof registrationFlow.transitions)[S] }[RegistrationState];
