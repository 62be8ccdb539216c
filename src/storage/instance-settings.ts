import type { Db } from './database.js';

/**
 * A value generated once per installation and shared by every process on the database.
 * Insert-if-absent then read, so two processes starting together agree on one value.
 */
export async function getOrCreateSetting(db: Db, key: string, make: () => string): Promise<string> {
  await db.insertInto('instance_settings').values({ key, value: make() }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}
