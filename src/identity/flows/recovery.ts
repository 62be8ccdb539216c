import { defineFlow } from './machine.js';
import type { Flow } from './flow-record.js';

/**
 * "Forgot password", keyed by a random id in the browser's cookie. The username page
 * (`username`, the initial state) has no record: sending a username makes one at `prove`, with
 * a code mailed to the ID behind it, or a decoy record when there is none, which looks the same
 * and never gets past `prove`. The code is the proof; the account's security answers follow
 * it when the policy asks them (`answers`), or replace it when `recovery.allow_answers_alone`
 * lets them (`answers_alone_ok`). `done` deletes the record in the new password's own
 * transaction, so a replayed form finds nothing. Diagram: recovery.md.
 */
export const recoveryFlow = defineFlow({
  kind: 'recovery',
  initial: 'username',
  final: ['done'],
  discard: ['done'],
  ttlSeconds: 30 * 60,
  transitions: {
    username: { code_sent: 'prove' },
    prove: { code_ok: 'new_password', code_ok_answers_due: 'answers', answers_alone_ok: 'new_password' },
    answers: { answers_ok: 'new_password' },
    new_password: { password_set: 'done' },
    done: {},
  },
});

export type RecoveryState = keyof typeof recoveryFlow.transitions;
export type RecoveryEvent = { [S in RecoveryState]: keyof (typeof recoveryFlow.transitions)[S] }[RecoveryState];

export interface RecoveryData {
  /** The username or address typed (clipped): a decoy's questions and counters are keyed by it. */
  login: string;
  /**
   * What proved the owner, once proved: 'code', or 'answers' alone (the next sign-ins may then
   * not take answers as their second step).
   */
  proof?: 'code' | 'answers';
}
export type RecoveryFlow = Flow<RecoveryState, RecoveryData>;
