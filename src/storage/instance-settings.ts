import type { Db } from './database.js';
import { isSealed, openSealedFrom, secretBoxFor } from './secret-box.js';

/**
 * A value generated once per installation and shared by every process on the database.
 * Insert-if-absent then read, so two processes starting together agree on one value.
 */
export async function getOrCreateSetting(db: Db, key: string, make: () => string): Promise<string> {
  await db.insertInto('instance_settings').values({ key, value: make() }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

const aad = (key: string) => `instance_settings:${key}`;

/**
 * A secret setting, sealed at rest with the keys-encryption key (secret-box.ts), the setting's
 * name as associated data. A value still in clear (written before secrets were sealed) is
 * returned as it is; sealSecretSettings seals it at start-up.
 */
export async function readSecretSetting(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', key).executeTakeFirst();
  if (!row) return undefined;
  return isSealed(row.value) ? openSealedFrom(db, row.value, aad(key)) : row.value;
}

/** Like getOrCreateSetting, sealed. `db` must be a root handle the first time (it seals). */
export async function getOrCreateSecretSetting(db: Db, key: string, make: () => string): Promise<string> {
  const known = await readSecretSetting(db, key);
  if (known !== undefined) return known;
  const box = await secretBoxFor(db);
  await getOrCreateSetting(db, key, () => box.seal(make(), aad(key)));
  return (await readSecretSetting(db, key))!;
}

/**
 * Seals the named settings still in clear, and reseals those sealed with an older key
 * (rotation). Idempotent: each row is rewritten only if it still holds what was read.
 */
export async function sealSecretSettings(db: Db, keys: readonly string[]): Promise<number> {
  const box = await secretBoxFor(db);
  let changed = 0;
  for (const key of keys) {
    const row = await db.selectFrom('instance_settings').select('value').where('key', '=', key).executeTakeFirst();
    if (!row || (isSealed(row.value) && !box.sealedWithOlderKey(row.value))) continue;
    const plain = isSealed(row.value) ? await openSealedFrom(db, row.value, aad(key)) : row.value;
    const result = await db.updateTable('instance_settings').set({ value: box.seal(plain, aad(key)) }).where('key', '=', key).where('value', '=', row.value).executeTakeFirst();
    changed += Number(result.numUpdatedRows);
  }
  return changed;
}
