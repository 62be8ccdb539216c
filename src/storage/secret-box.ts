import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../config/errors.js';
import type { Db } from './database.js';

/*
 * Secrets at rest (docs/architecture.md, security baseline): AES-256-GCM (NIST SP 800-38D) with a 96-bit
 * random IV per value and the row's identity as associated data, so a sealed value copied into
 * another row or setting does not open there. Format: `v1.<key id>.<base64url iv|ciphertext|tag>`;
 * the key id (first bytes of the key's SHA-256) says which key sealed it, for rotation.
 */

const PREFIX = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const keyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 12);

/**
 * Every key this process was given, by id: a value is opened with the key that sealed it, by
 * whichever handle reads it (a transaction is a handle of its own, see secretBoxFor).
 */
const knownKeys = new Map<string, Buffer>();

export class SecretBox {
  readonly currentId: string;
  readonly #keys = new Map<string, Buffer>();

  constructor(
    private readonly current: Buffer,
    previous: Buffer[] = [],
  ) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Error('a keys-encryption key is 32 bytes');
      this.#keys.set(keyId(key), key);
      knownKeys.set(keyId(key), key);
    }
    this.currentId = keyId(current);
  }

  /** Opens with this box's own keys only: a database opens with the keys its process was given for it. */
  open(value: string, aad: string): string {
    return openWith(this.#keys, value, aad);
  }

  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv).setAAD(Buffer.from(aad));
    const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}.${this.currentId}.${body.toString('base64url')}`;
  }

  /** True when `value` was sealed with another key than the current one (rotation pending). */
  sealedWithOlderKey(value: string): boolean {
    return isSealed(value) && value.split('.')[1] !== this.currentId;
  }
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && /^v1\.[0-9a-f]{12}\.[A-Za-z0-9_-]+$/.test(value);
}

/** Opens a sealed value with the key that sealed it; throws a one-line error naming what is missing. */
function openWith(keys: Map<string, Buffer>, value: string, aad: string): string {
  const [, id, data] = value.split('.');
  const key = keys.get(id ?? '');
  if (!key) throw new ConfigError(`${aad}: sealed with a keys-encryption key this process was not given (key id ${id}); set KEYS_ENCRYPTION_KEY, or KEYS_ENCRYPTION_KEY_PREVIOUS during a rotation`);
  const body = Buffer.from(data ?? '', 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES)).setAAD(Buffer.from(aad));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`${aad}: the sealed value does not open (altered, or moved from another row)`);
  }
}

/**
 * How each opened database finds its box (database.ts registers it on open). Resolved on first
 * use, after migrations: outside production the key may live in the database itself.
 */
const boxes = new WeakMap<Db, () => Promise<SecretBox>>();

export function registerSecretBox(db: Db, resolve: () => Promise<SecretBox>): void {
  let resolved: Promise<SecretBox> | undefined;
  boxes.set(db, () => {
    resolved ??= resolve().catch((error: unknown) => {
      resolved = undefined;
      throw error;
    });
    return resolved;
  });
}

/** The box to seal with. A transaction is a handle of its own and not registered: seal with the root handle. */
export async function secretBoxFor(db: Db): Promise<SecretBox> {
  const resolve = boxes.get(db);
  if (!resolve) throw new Error('no keys-encryption key for this database handle: open it with openDatabase');
  return resolve();
}

/**
 * Opens a value read through `db`: with its box if `db` is a handle openDatabase returned; a
 * transaction handle is not registered, and opens with the keys the process was given.
 */
export async function openSealedFrom(db: Db, value: string, aad: string): Promise<string> {
  if (boxes.has(db)) return (await secretBoxFor(db)).open(value, aad);
  return openWith(knownKeys, value, aad);
}
