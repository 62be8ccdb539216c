import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from '../../src/storage/data-dir-lock.js';

describe('embedded data directory lock', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'portico-lock-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('refuses a second holder while a live process holds it, naming that process', () => {
    const dir = tempDir();
    // The parent of this test process is alive and is not us: it stands in for a running server.
    writeFileSync(path.join(dir, 'portico.lock'), JSON.stringify({ pid: process.ppid, holder: 'portico server' }));
    expect(() => acquireDataDirLock(dir, 'portico migrate')).toThrow(
      `${dir}: the embedded database is in use by portico server (pid ${process.ppid}); stop it first, or use PostgreSQL with DATABASE_URL`,
    );
  });

  it('takes over a lock left by a dead process, and can be released and taken again', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'portico.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, holder: 'crashed' }));
    const lock = acquireDataDirLock(dir, 'portico server');
    lock.release();
    acquireDataDirLock(dir, 'portico server').release();
  });
});
