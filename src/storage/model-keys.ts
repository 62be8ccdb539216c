import { createHash } from 'node:crypto';

/**
 * How `oidc_models` rows are keyed (oidc/adapters/sql.ts): by the SHA-256 of a value, never
 * the value. The account of a row is kept the same way, so that deleting an ID (identity/)
 * finds its sessions and tokens in the same transaction as the rest of it.
 */
export const hashModelId = (value: string) => createHash('sha256').update(value).digest('base64url');

/** The `account_key` of the rows whose payload carries this accountId (migration 0032). */
export const accountModelKey = (accountId: string) => hashModelId(`account\u0000${accountId}`);
