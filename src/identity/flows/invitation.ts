import { defineFlow } from './machine.js';
import type { Flow } from './flow-record.js';

/**
 * An invitation to set a password, made when an operator creates an ID without one. Its id is
 * the token in the mailed link (only its keyed hash is stored); `done` deletes the record in
 * the new password's own transaction, so a link works once. Diagram: invitation.md.
 */
export const invitationFlow = defineFlow({
  kind: 'invitation',
  initial: 'created',
  final: ['done'],
  discard: ['done'],
  ttlSeconds: 72 * 60 * 60,
  transitions: {
    created: { sent: 'sent' },
    sent: { password_set: 'done' },
    done: {},
  },
});

export type InvitationState = keyof typeof invitationFlow.transitions;
export type InvitationFlow = Flow<InvitationState, Record<string, never>>;
