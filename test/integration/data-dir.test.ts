import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedEnv, runPortico } from '../support/cli.js';
import { startPortico } from '../support/portico.js';

/*
 * The embedded data directory holds the whole database: nobody but its owner may read it.
 * A new one is created 0700 with every file in it 0600; an existing one that group or others
 * can read stops start-up with one line.
 */

const work = mkdtempSync(path.join(tmpdir(), 'portico-datadir-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every path under `dir` whose mode lets group or others in, with that mode. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const stat = lstatSync(path.join(dir, entry));
    if (!stat.isSymbolicLink() && stat.mode & 0o077) found.push(`${entry} ${(stat.mode & 0o777).toString(8)}`);
  }
  return found;
}

describe('embedded data directory', () => {
  it('is created 0700, and nothing PGlite writes in it is readable by group or others', async () => {
    const dataDir = path.join(work, 'new', 'data');
    const portico = await startPortico({ dataDir, databaseUrl: undefined, redisUrl: null, env: { DATABASE_URL: '' } });
    try {
      await portico.createUser();
      expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
      expect(readdirSync(path.join(dataDir, 'pgdata')).length).toBeGreaterThan(0);
      expect(openToOthers(dataDir)).toEqual([]);
    } finally {
      await portico.stop();
    }
  });

  it('refuses, in one line, a directory that group or others can read', async () => {
    const dataDir = path.join(work, 'shared');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const clientsFile = path.join(work, 'clients.json');
    writeFileSync(clientsFile, JSON.stringify({ clients: [] }));
    const run = await runPortico(['migrate'], { env: embeddedEnv(work, { DATA_DIR: dataDir, CLIENTS_FILE: clientsFile }) });
    expect(run).toEqual({
      code: 1,
      out: '',
      err: `portico: ${dataDir}: the data directory is open to group or others (mode 0755); run chmod 700 ${dataDir}\n`,
    });
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
