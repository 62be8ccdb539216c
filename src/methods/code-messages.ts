/** Until a moment, in words: "in 5 minutes", "in about 3 hours". */
export function waitText(until: Date, now = new Date()): string {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
  if (minutes <= 90) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `in about ${Math.round(minutes / 60)} hours`;
}

/** The wait in words: "30 seconds", "2 minutes". */
export function waitWords(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/**
 * The account's failures across codes (identity/code-failures.ts): a wait, or codes refused
 * until a success. Undefined when the gate is open and the refusal is about one code alone.
 */
export function tooManyCodes(gate: { waitSeconds?: number; locked?: boolean }, options: { tries?: string; lockedAdvice?: string } = {}): string | undefined {
  const tries = options.tries ?? 'wrong codes were';
  if (gate.locked) return `Too many ${tries} entered for this ID, so emailed codes are paused. ${options.lockedAdvice ?? 'Use another way below, or reset your password with "Forgot password".'}`;
  if (gate.waitSeconds) return `Too many ${tries} entered for this ID. Wait ${waitWords(gate.waitSeconds)}, then try again.`;
  return undefined;
}
