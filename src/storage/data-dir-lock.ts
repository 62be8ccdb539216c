import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/errors.js';

export interface DataDirLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is PostgreSQL in one process: two processes writing one data directory corrupt it.
 * The lock file names its holder; a lock left by a dead process is taken over.
 */
export function acquireDataDirLock(dataDir: string, holder: string): DataDirLock {
  const file = path.join(dataDir, 'portico.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, holder }));
      closeSync(fd);
      return {
        release: () => {
          try {
            unlinkSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner: { pid?: number; holder?: string } = {};
      try {
        owner = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        // Unreadable lock: treat as stale.
      }
      if (owner.pid && owner.pid !== process.pid && alive(owner.pid)) {
        throw new ConfigError(
          `${dataDir}: the embedded database is in use by ${owner.holder ?? 'another process'} (pid ${owner.pid}); ` +
            'stop it first, or use PostgreSQL with DATABASE_URL',
        );
      }
      unlinkSync(file);
    }
  }
  throw new ConfigError(`${dataDir}: could not lock the embedded database`);
}
