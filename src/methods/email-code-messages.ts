import type { CodeCheck, IssueResult } from '../identity/one-time-codes.js';
import { tooManyCodes, waitText } from './code-messages.js';

/** The words of the emailed access code's page. */

export const codeFormat = (length: number) => `Enter the ${length}-digit code from the email.`;

export const codeSent = (first: boolean) => (first ? 'We sent a code.' : 'We sent a new code. Only the newest code works.');

export const offerCode = 'Email me an access code instead';

export function sendProblem(issued: Exclude<IssueResult, { ok: true }>): string {
  if (issued.reason === 'throttled') return `We just sent a code. You can ask for a new one in ${issued.retryAfterSeconds} seconds.`;
  return `A wrong code was entered too many times. You can ask for a new code ${waitText(issued.until)}, or use another way below.`;
}

export function codeProblem(check: Exclude<CodeCheck, { ok: true }>): string {
  switch (check.reason) {
    case 'wrong': {
      const wrong = check.attemptsLeft
        ? `That code is not correct. You can try ${check.attemptsLeft} more time${check.attemptsLeft === 1 ? '' : 's'}.`
        : 'That code is not correct, and that was the last try for it.';
      const account = tooManyCodes(check);
      return account ? `That code is not correct. ${account}` : wrong;
    }
    case 'expired':
      return 'This code has expired. Select "Send a new code".';
    case 'too_many_attempts':
      return tooManyCodes(check) ?? 'A wrong code was entered too many times. Use another way below, or wait and ask for a new code.';
    default:
      return 'This code can no longer be used. Select "Send a new code".';
  }
}
