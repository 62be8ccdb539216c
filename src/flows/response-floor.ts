import { setTimeout as sleep } from 'node:timers/promises';

/*
 * Response floors. The unknown-address path of sign-in or of a recovery
 * form, or the taken-email path of registration, does different database work than the
 * other path (no code, no mail, fewer rows): a few milliseconds, measurable over many tries.
 * Answering no sooner than a floor hides it; the real work takes a fraction of each floor.
 */
export const RECOVERY_FLOOR_MS = 150;
/** Refused sign-ins only: a success reveals nothing an attacker did not already know. */
export const SIGN_IN_FAILURE_FLOOR_MS = 250;
export const REGISTRATION_FLOOR_MS = 300;

/** Starts a floor now; the function it returns waits out whatever is left of it. */
export function startFloor(floorMs: number): () => Promise<void> {
  const started = performance.now();
  return async () => {
    const left = floorMs - (performance.now() - started);
    if (left > 0) await sleep(left);
  };
}

/** Runs `work`, then waits out the rest of `floorMs`, whatever the outcome. */
export async function noSoonerThan<T>(floorMs: number, work: () => Promise<T>): Promise<T> {
  const reached = startFloor(floorMs);
  try {
    return await work();
  } finally {
    await reached();
  }
}
