import { AsyncLocalStorage } from 'node:async_hooks';
import type { Locale } from './index.js';

/**
 * The language of the page whose request is running, for mails queued during it. Domain code
 * asks for it without knowing about HTTP; outside a request (CLI, background jobs) there is none.
 */
const storage = new AsyncLocalStorage<() => Locale>();

export function runWithLocale<T>(resolve: () => Locale, fn: () => Promise<T>): Promise<T> {
  return storage.run(resolve, fn);
}

export function requestLocale(): Locale | undefined {
  return storage.getStore()?.();
}
