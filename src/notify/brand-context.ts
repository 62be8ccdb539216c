import { AsyncLocalStorage } from 'node:async_hooks';
import type { Brand } from '../config/branding.js';

/*
 * The brand of the journey whose request is running (the portal it came from, or the
 * instance's), for pages and for mails queued during it: domain code queues mails without
 * knowing about HTTP or portals. Outside a request (the CLI, background jobs) the instance's
 * brand set at start-up applies; before that, Portico's own name.
 */

const storage = new AsyncLocalStorage<() => Brand>();
let instance: Brand = { key: 'default', name: 'Portico', colour: '#0b4f8a', footerLinks: [] };

/** The instance's brand, for work outside a request: set once by whoever loaded the config. */
export function setInstanceBrand(brand: Brand): void {
  instance = brand;
}

export function runWithBrand<T>(resolve: () => Brand, fn: () => Promise<T>): Promise<T> {
  return storage.run(resolve, fn);
}

export function currentBrand(): Brand {
  return storage.getStore()?.() ?? instance;
}
