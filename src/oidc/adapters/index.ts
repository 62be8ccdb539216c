import type { RedisClient } from '../../storage/redis.js';
import type { Db } from '../../storage/database.js';
import { createRedisAdapterFactory } from './redis.js';
import { createSqlAdapterFactory } from './sql.js';
import type { AdapterFactory } from './types.js';

export type { Adapter, AdapterFactory, AdapterPayload } from './types.js';

export interface AdapterStores {
  db: Db;
  redis?: RedisClient;
}

export interface AdapterOptions {
  /** Redis key prefix (default `portico:oidc:`), e.g. to share one Redis between installations. */
  prefix?: string;
}

/** Protocol state goes to Redis when there is one, else to the `oidc_models` table. */
export function createAdapterFactory(stores: AdapterStores, options: AdapterOptions = {}): AdapterFactory {
  return stores.redis ? createRedisAdapterFactory(stores.redis, options) : createSqlAdapterFactory(stores.db);
}
