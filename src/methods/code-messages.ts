import { msg, type Msg, type Text } from '../i18n/index.js';

/** The wait in words: "30 seconds", "2 minutes". */
export function waitWords(seconds: number): Msg {
  if (seconds < 90) return msg('duration.seconds', { count: seconds });
  return msg('duration.minutes', { count: Math.ceil(seconds / 60) });
}

/**
 * The account's failures across codes (identity/code-failures.ts): a wait, or codes refused
 * until a success. Undefined when the gate is open and the refusal is about one code alone.
 * `answers`: the door counts wrong answers too (recovery).
 */
export function tooManyCodes(gate: { waitSeconds?: number; locked?: boolean }, options: { answers?: boolean; lockedAdvice?: Text } = {}): Msg | undefined {
  if (gate.locked) return msg(options.answers ? 'codes.paused_answers' : 'codes.paused', { advice: options.lockedAdvice ?? msg('codes.advice_default') });
  if (gate.waitSeconds) return msg(options.answers ? 'codes.wait_answers' : 'codes.wait', { wait: waitWords(gate.waitSeconds) });
  return undefined;
}

/** A wrong second-step code (emailed or phoned): the tries left, and why no more are taken for a while, if so. */
export function wrongCode(check: { attemptsLeft?: number; waitSeconds?: number; locked?: boolean }): Msg {
  const wrong = check.attemptsLeft ? msg('second.error.wrong', { count: check.attemptsLeft }) : msg('second.error.wrong_last');
  const account = tooManyCodes(check);
  return account ? msg('second.error.wrong_and', { reason: account }) : wrong;
}

/** A wait until `until`, as "in 5 minutes" / "in about 3 hours" in the page's language. */
export function waitMsg(until: Date, now = new Date()): Msg {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
  if (minutes <= 90) return msg('wait.minutes', { count: minutes });
  return msg('wait.hours', { count: Math.round(minutes / 60) });
}
