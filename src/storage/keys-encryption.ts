import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/errors.js';
import { parseKey } from '../config/keys-encryption-key.js';
import type { Db } from './database.js';
import { SecretBox } from './secret-box.js';

export interface KeysEncryptionOptions {
  /** KEYS_ENCRYPTION_KEY: 32 bytes, base64 or hex. */
  key?: string;
  /** Production: no development key may stand in for a missing KEYS_ENCRYPTION_KEY. */
  required?: boolean;
  /** KEYS_ENCRYPTION_KEY_PREVIOUS: still opens values sealed before a rotation. */
  previous?: string;
}

export const KEY_FILE = 'keys-encryption.key';
const DB_SETTING = 'keys_encryption_key_development';

/**
 * Outside production without KEYS_ENCRYPTION_KEY, the embedded default keeps a generated key
 * in DATA_DIR (mode 0600, in the 0700 directory: see data-dir.ts), apart from the database
 * files. Created with O_EXCL, so two processes racing agree on the first one written.
 */
function keyFileKey(dataDir: string): Buffer {
  const file = path.join(dataDir, KEY_FILE);
  try {
    const fd = openSync(file, 'wx', 0o600);
    writeSync(fd, `${randomBytes(32).toString('base64url')}\n`);
    closeSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parseKey(readFileSync(file, 'utf8'), file);
}

/**
 * Without a key from the environment or a data directory (PostgreSQL, or DATA_DIR=memory://),
 * a development installation keeps its generated key in its own database, shared by all its
 * processes. That protects nothing against a copy of the database: production refuses to
 * start without KEYS_ENCRYPTION_KEY.
 */
async function databaseKey(db: Db): Promise<Buffer> {
  await db.insertInto('instance_settings').values({ key: DB_SETTING, value: randomBytes(32).toString('base64url') }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', DB_SETTING).executeTakeFirstOrThrow();
  return parseKey(row.value, DB_SETTING);
}

/** This installation's development key (file or database), created on first use. */
async function developmentKey(where: { databaseUrl?: string; dataDir: string }, db: Db): Promise<Buffer> {
  if (!where.databaseUrl && !where.dataDir.startsWith('memory://')) return keyFileKey(where.dataDir);
  return databaseKey(db);
}

/** The development key this installation generated before, without creating one. */
async function existingDevelopmentKey(where: { databaseUrl?: string; dataDir: string }, db: Db): Promise<Buffer | undefined> {
  if (!where.databaseUrl && !where.dataDir.startsWith('memory://')) {
    const file = path.join(where.dataDir, KEY_FILE);
    return existsSync(file) ? parseKey(readFileSync(file, 'utf8'), file) : undefined;
  }
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', DB_SETTING).executeTakeFirst();
  return row ? parseKey(row.value, DB_SETTING) : undefined;
}

/**
 * The box this process seals with: the environment's key, else the development key. Previous
 * keys still open what they sealed: KEYS_ENCRYPTION_KEY_PREVIOUS, and a development key this
 * installation used before KEYS_ENCRYPTION_KEY was set (so setting it needs no other step).
 */
export async function openSecretBox(options: KeysEncryptionOptions, where: { databaseUrl?: string; dataDir: string }, db: Db): Promise<SecretBox> {
  const previous = options.previous ? [parseKey(options.previous, 'KEYS_ENCRYPTION_KEY_PREVIOUS')] : [];
  if (options.key) {
    const dev = await existingDevelopmentKey(where, db);
    return new SecretBox(parseKey(options.key, 'KEYS_ENCRYPTION_KEY'), dev ? [...previous, dev] : previous);
  }
  // Asked here, where a key is first needed, and not when the environment is read: commands
  // that never open a sealed value (`clients check`, `--help`) run without it.
  if (options.required) throw new ConfigError(KEY_REQUIRED);
  return new SecretBox(await developmentKey(where, db), previous);
}

/** A key kept beside the data it protects protects nothing. */
export const KEY_REQUIRED = 'environment: KEYS_ENCRYPTION_KEY: required when NODE_ENV=production (openssl rand -base64 32)';
