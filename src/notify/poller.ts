/*
 * The loop every outbox sender runs (mail, webhooks): claim due rows, handle them side by side,
 * until none is due; then wait and look again. Claims are the queue's business (one statement
 * that skips rows another process holds), so any number of processes may run one.
 */

export interface Poller {
  /** Handles everything due now (tests; also what each poll does). */
  drain(): Promise<void>;
  /** Stops polling and waits for the round in progress. */
  stop(): Promise<void>;
}

export interface PollerOptions<T> {
  intervalMs: number;
  claim: () => Promise<T[]>;
  handle: (row: T) => Promise<void>;
  /** A round that failed (the store is down): the next poll tries again. */
  onError: (error: unknown) => void;
}

/** Delay before attempt n+1: firstMs, doubling, capped at maxMs, with ±20 % jitter so retries spread out. */
export function backoffMs(attempts: number, firstMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(firstMs * 2 ** Math.max(0, attempts - 1), maxMs);
  return Math.round(base * (0.8 + 0.4 * random()));
}

export function startPoller<T>(options: PollerOptions<T>): Poller {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // One round at a time per process: a drain() during a poll waits for it, then runs.
  let current: Promise<unknown> = Promise.resolve();

  const round = async () => {
    while (!stopped) {
      const rows = await options.claim();
      if (rows.length === 0) return;
      const results = await Promise.allSettled(rows.map(options.handle));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
    }
  };

  const drain = (): Promise<void> => {
    const run = current.then(round);
    current = run.catch(() => {});
    return run;
  };

  const poll = async () => {
    await drain().catch(options.onError);
    if (!stopped) schedule();
  };
  const schedule = () => {
    timer = setTimeout(() => void poll(), options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    drain,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
