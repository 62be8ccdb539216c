import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import type { Db } from '../../storage/database.js';
import { isSealed, openSealedFrom, secretBoxFor } from '../../storage/secret-box.js';
import type { Database, OidcModelsTable } from '../../storage/schema.js';
import { accountModelKey, hashModelId } from '../../storage/model-keys.js';
import {
  accountModels,
  grantableModels,
  stringField,
  ttlSeconds,
  type Adapter,
  type AdapterFactory,
  type AdapterPayload,
} from './types.js';

/*
 * oidc-provider's adapter contract (docs/README.md, "adapter") over the `oidc_models` table,
 * for installations without Redis. Times come from the database clock (now()) so that every
 * process agrees on expiry; expired rows are invisible at once and deleted by purgeExpiredModels.
 */

type Row = Pick<Selectable<OidcModelsTable>, 'id' | 'payload' | 'consumed_at'>;

/*
 * At rest, ids, uids and user codes are bearer values (a session cookie, an access or refresh
 * token, a code): rows are keyed by their SHA-256 and looked up the same way, so a copy of
 * the table yields none of them (ASVS 4.0 V3.5.2, V6.4). The values are 256-bit random
 * (oidc-provider's formats.bitsOfOpaqueRandomness), so an unkeyed hash cannot be reversed by
 * guessing. Payloads repeat the id (`jti`) and reference others (an Interaction's session
 * cookie): they are sealed whole with the keys-encryption key, the row's key as associated data.
 * Migration 0015 hashed the keys of rows written before; sealModelPayloads seals their payloads.
 */
export { hashModelId };

const payloadAad = (model: string, hashedId: string) => `oidc_models:${model}:${hashedId}`;

function notExpired(eb: ExpressionBuilder<Database, 'oidc_models'>) {
  return eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]);
}

function expiresAt(expiresIn: number | undefined) {
  const seconds = ttlSeconds(expiresIn);
  return seconds === undefined ? null : sql<Date>`now() + make_interval(secs => ${seconds}::float8)`;
}

/**
 * PostgreSQL refuses NUL in text, so no stored id, uid or user code holds one: a client id or
 * token with NUL (oidc-provider passes them from request bodies as sent) finds nothing instead
 * of failing the query with a server error.
 */
function unstorable(value: string): boolean {
  return typeof value !== 'string' || value.includes('\u0000');
}

async function decode(db: Db, model: string, row: Row | undefined): Promise<AdapterPayload | undefined> {
  if (!row) return undefined;
  const stored = row.payload as AdapterPayload & { sealed?: unknown };
  const payload = isSealed(stored.sealed) ? (JSON.parse(await openSealedFrom(db, stored.sealed, payloadAad(model, row.id))) as AdapterPayload) : stored;
  if (!row.consumed_at) return payload;
  return { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) };
}

const hashed = (value: string | null) => (value === null ? null : hashModelId(value));

function accountOf(payload: AdapterPayload): string | null {
  const accountId = stringField(payload.accountId);
  return accountId === null ? null : accountModelKey(accountId);
}

export class SqlAdapter implements Adapter {
  constructor(
    private readonly name: string,
    private readonly db: Db,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = hashModelId(id);
    const box = await secretBoxFor(this.db);
    const row = {
      payload: JSON.stringify({ sealed: box.seal(JSON.stringify(payload), payloadAad(this.name, key)) }),
      grant_id: grantableModels.has(this.name) ? stringField(payload.grantId) : null,
      user_code: hashed(stringField(payload.userCode)),
      uid: hashed(stringField(payload.uid)),
      // Every model that names its account, so that deleting the ID removes them all at once.
      account_key: accountOf(payload),
      expires_at: expiresAt(expiresIn),
    };
    // consumed_at is left as it was on conflict, as the Redis adapter keeps its `consumed` mark.
    await this.db
      .insertInto('oidc_models')
      .values({ model: this.name, id: key, ...row })
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
      .execute();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id', id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    if (unstorable(id)) return;
    await this.db
      .updateTable('oidc_models')
      .set({ consumed_at: sql<Date>`now()` })
      .where('model', '=', this.name)
      .where('id', '=', hashModelId(id))
      .execute();
  }

  async destroy(id: string): Promise<void> {
    if (unstorable(id)) return;
    await this.db.deleteFrom('oidc_models').where('model', '=', this.name).where('id', '=', hashModelId(id)).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (unstorable(grantId)) return;
    // Every grantable model of the grant, whichever model's adapter is asked (as in Redis).
    await this.db.deleteFrom('oidc_models').where('grant_id', '=', grantId).execute();
  }

  async findByAccount(accountId: string): Promise<AdapterPayload[]> {
    if (unstorable(accountId) || !accountModels.has(this.name)) return [];
    const rows = await this.db
      .selectFrom('oidc_models')
      .select(['id', 'payload', 'consumed_at'])
      .where('model', '=', this.name)
      .where('account_key', '=', accountModelKey(accountId))
      .where(notExpired)
      .execute();
    const payloads = await Promise.all(rows.map((row) => decode(this.db, this.name, row)));
    return payloads.filter((p): p is AdapterPayload => p?.accountId === accountId);
  }

  async forgetAccount(accountId: string): Promise<void> {
    if (unstorable(accountId)) return;
    await this.db.deleteFrom('oidc_models').where('account_key', '=', accountModelKey(accountId)).execute();
  }

  private async findWhere(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    if (unstorable(value)) return undefined;
    const row = await this.db
      .selectFrom('oidc_models')
      .select(['id', 'payload', 'consumed_at'])
      .where('model', '=', this.name)
      .where(column, '=', hashModelId(value))
      .where(notExpired)
      .limit(1)
      .executeTakeFirst();
    return decode(this.db, this.name, row);
  }
}

export function createSqlAdapterFactory(db: Db): AdapterFactory {
  return (name) => new SqlAdapter(name, db);
}

/**
 * Seals the payloads of rows written before payloads were sealed (their keys were hashed by
 * migration 0015) and, with `reseal`, those sealed with an older keys-encryption key (rotation).
 * Idempotent; a row is rewritten only if it still holds what was read.
 */
export async function sealModelPayloads(db: Db, options: { reseal?: boolean } = {}): Promise<number> {
  const box = await secretBoxFor(db);
  let query = db.selectFrom('oidc_models').select(['model', 'id', 'payload']);
  if (!options.reseal) query = query.where(sql<boolean>`payload->>'sealed' is null`);
  let changed = 0;
  for (const row of await query.execute()) {
    const stored = row.payload as AdapterPayload & { sealed?: unknown };
    if (isSealed(stored.sealed) && !box.sealedWithOlderKey(stored.sealed)) continue;
    const aad = payloadAad(row.model, row.id);
    const plain = isSealed(stored.sealed) ? await openSealedFrom(db, stored.sealed, aad) : JSON.stringify(stored);
    const result = await db
      .updateTable('oidc_models')
      .set({ payload: JSON.stringify({ sealed: box.seal(plain, aad) }) })
      .where('model', '=', row.model)
      .where('id', '=', row.id)
      .where(sql<boolean>`payload = ${JSON.stringify(stored)}::jsonb`)
      .executeTakeFirst();
    changed += Number(result.numUpdatedRows);
  }
  return changed;
}

/** Deletes rows past their expiry; returns how many. Without Redis nothing else removes them. */
export async function purgeExpiredModels(db: Db): Promise<number> {
  const result = await db.deleteFrom('oidc_models').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
