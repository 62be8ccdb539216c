import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** How long before giving up; generous, since the machine running the tests may be busy. */
  timeoutMs?: number;
  intervalMs?: number;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Polls `check` until it returns a truthy value, which it returns; past the deadline, throws an
 * error naming `what`. A check that throws stops the wait at once (a server that died will not
 * come back): a check that may fail while waiting catches its own errors.
 */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, { timeoutMs = 20_000, intervalMs = 100 }: WaitOptions = {}): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
