import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrator.js';

/**
 * Vitest globalSetup: every test server on the embedded database would otherwise pay PGlite's
 * initdb (seconds of CPU) and every migration; each test file is its own process, so the
 * migrated cluster is dumped once per run to a file that PGLITE_TEMPLATE hands the workers.
 * Only migrations run here, as the product runs them: the instance's keys and secrets are made
 * at start-up, so each server from the template still makes its own. Against PostgreSQL
 * (DATABASE_URL) there is nothing to do.
 */
export async function buildPgliteTemplate(file: string): Promise<void> {
  const handle = await openDatabase({ dataDir: 'memory://' });
  try {
    await migrateToLatest(handle.db);
    const dump = await handle.dump!();
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()), { mode: 0o600 });
  } finally {
    await handle.close();
  }
}

export default async function setup(): Promise<(() => void) | undefined> {
  const given = process.env.PGLITE_TEMPLATE;
  // PGLITE_TEMPLATE=off: every server from an empty cluster, as without a template (to compare).
  // The workers see it empty, which Portico reads as unset.
  if (given === 'off') process.env.PGLITE_TEMPLATE = '';
  if (given || process.env.DATABASE_URL) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-pglite-template-'));
  const file = path.join(dir, 'template.tar.gz');
  await buildPgliteTemplate(file);
  // Set before the workers are forked, which inherit this process's environment.
  process.env.PGLITE_TEMPLATE = file;
  return () => {
    delete process.env.PGLITE_TEMPLATE;
    rmSync(dir, { recursive: true, force: true });
  };
}
