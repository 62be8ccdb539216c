import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { Database, OidcModelsTable } from '../../storage/schema.js';
import {
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

type Row = Pick<Selectable<OidcModelsTable>, 'payload' | 'consumed_at'>;

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

function decode(row: Row | undefined): AdapterPayload | undefined {
  if (!row) return undefined;
  if (!row.consumed_at) return row.payload;
  return { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) };
}

export class SqlAdapter implements Adapter {
  constructor(
    private readonly name: string,
    private readonly db: Db,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const row = {
      payload: JSON.stringify(payload),
      grant_id: grantableModels.has(this.name) ? stringField(payload.grantId) : null,
      user_code: stringField(payload.userCode),
      uid: stringField(payload.uid),
      expires_at: expiresAt(expiresIn),
    };
    // consumed_at is left as it was on conflict, as the Redis adapter keeps its `consumed` mark.
    await this.db
      .insertInto('oidc_models')
      .values({ model: this.name, id, ...row })
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
      .where('id', '=', id)
      .execute();
  }

  async destroy(id: string): Promise<void> {
    if (unstorable(id)) return;
    await this.db.deleteFrom('oidc_models').where('model', '=', this.name).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (unstorable(grantId)) return;
    // Every grantable model of the grant, whichever model's adapter is asked (as in Redis).
    await this.db.deleteFrom('oidc_models').where('grant_id', '=', grantId).execute();
  }

  private async findWhere(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    if (unstorable(value)) return undefined;
    const row = await this.db
      .selectFrom('oidc_models')
      .select(['payload', 'consumed_at'])
      .where('model', '=', this.name)
      .where(column, '=', value)
      .where(notExpired)
      .limit(1)
      .executeTakeFirst();
    return decode(row);
  }
}

export function createSqlAdapterFactory(db: Db): AdapterFactory {
  return (name) => new SqlAdapter(name, db);
}

/** Deletes rows past their expiry; returns how many. Without Redis nothing else removes them. */
export async function purgeExpiredModels(db: Db): Promise<number> {
  const result = await db.deleteFrom('oidc_models').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
