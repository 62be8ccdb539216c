import argon2 from 'argon2';
import type { Policy } from '../config/policy.js';
import { argon2InFlight } from '../metrics/metrics.js';
import { verifyLegacyHash } from './legacy/hashes.js';

export type Argon2Params = Policy['argon2'];

/** argon2 work waiting for or running on libuv's thread pool: the queue sign-ins stand in under load. */
async function counted<T>(work: Promise<T>): Promise<T> {
  argon2InFlight.inc();
  try {
    return await work;
  } finally {
    argon2InFlight.dec();
  }
}

/**
 * argon2id hashing. The argon2 package runs hashing on libuv's thread pool, so the event loop
 * stays free while a password is checked.
 */
export class PasswordHasher {
  readonly #options: { type: typeof argon2.argon2id; memoryCost: number; timeCost: number; parallelism: number };
  #decoy: Promise<string> | undefined;

  constructor(params: Argon2Params) {
    this.#options = {
      type: argon2.argon2id,
      memoryCost: params.memory_kib,
      timeCost: params.time_cost,
      parallelism: params.parallelism,
    };
  }

  hash(password: string): Promise<string> {
    return counted(argon2.hash(password, this.#options));
  }

  /**
   * Checks a password against the stored hash: argon2id, or a legacy hash an operator imported
   * (identity/legacy/hashes.ts), which needsRehash() then moves to argon2id at this sign-in.
   */
  async verify(hash: string, password: string): Promise<boolean> {
    // A legacy hash may be much faster than argon2id (bcrypt at a low cost): a decoy alongside
    // keeps an imported ID's sign-in at least as slow as a native or unknown one.
    if (!hash.startsWith('$argon2')) return (await Promise.all([verifyLegacyHash(hash, password), this.verifyDecoy(password)]))[0];
    try {
      return await counted(argon2.verify(hash, password));
    } catch {
      // A malformed stored hash never matches.
      return false;
    }
  }

  /** True when the stored hash was made with other parameters than the configured ones. */
  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, this.#options);
    } catch {
      return true;
    }
  }

  /**
   * Spends the same time as a real verification, for usernames that do not exist, so that
   * response timing does not reveal which accounts exist.
   */
  async verifyDecoy(password: string): Promise<false> {
    this.#decoy ??= this.hash('portico-decoy-password-never-matches');
    await this.verify(await this.#decoy, password);
    return false;
  }
}
