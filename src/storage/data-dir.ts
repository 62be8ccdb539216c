import { mkdirSync, statSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';

/** Permission bits for group and others: none of them may be set on the data directory. */
const GROUP_OR_OTHERS = 0o077;

/**
 * The embedded data directory holds the whole database (password hashes, sessions) and the
 * keys-encryption key file: it is the owner's alone, as PostgreSQL itself insists for its data
 * directory (PostgreSQL docs, "Creating a Database Cluster": 0700 or 0750). Created 0700; an
 * existing one that group or others can read is refused rather than silently used. The process
 * umask becomes 077, so every file PGlite writes there later (tables, WAL) is 0600.
 */
export function prepareDataDir(dataDir: string): void {
  const previous = process.umask(0o077);
  process.umask(previous | 0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(dataDir).mode & 0o777;
  if (mode & GROUP_OR_OTHERS) {
    throw new ConfigError(`${dataDir}: the data directory is open to group or others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 700 ${dataDir}`);
  }
}
