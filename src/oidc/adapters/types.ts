/**
 * The storage contract oidc-provider expects from an adapter, typed here so that nothing
 * outside src/oidc depends on oidc-provider's own declarations. See oidc-provider's
 * `example/my_adapter.js` and docs/README.md, section "adapter".
 */

/** What oidc-provider stores per model instance; opaque apart from the indexed fields. */
export interface AdapterPayload {
  [key: string]: unknown;
  jti?: string;
  exp?: number;
  grantId?: string;
  userCode?: string;
  uid?: string;
  /** Epoch seconds at which the adapter's `consume` was called. */
  consumed?: number;
}

export interface Adapter {
  /** `expiresIn` is in seconds; anything but a positive finite number means "no expiry". */
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  /**
   * Portico's own, beyond the contract: the live payloads of this model that belong to the
   * account (only models in accountModels are indexed by account; others find none).
   */
  findByAccount(accountId: string): Promise<AdapterPayload[]>;
  /** Portico's own: drops what indexes the account's models, once they are gone (a deleted ID). */
  forgetAccount(accountId: string): Promise<void>;
}

/**
 * Called by oidc-provider once per model name. Must stay an arrow function: oidc-provider
 * calls `new` on anything constructable (lib/helpers/type_validators.js).
 */
export type AdapterFactory = (name: string) => Adapter;

/**
 * Models that carry a grantId and are removed by `revokeByGrantId`; the same set as
 * oidc-provider's in-memory adapter (lib/adapters/memory_adapter.js).
 */
export const grantableModels: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/**
 * Models indexed by their payload's accountId, so that ending or deleting an ID finds its
 * sessions (to tell the portals) and grants (whose tokens revokeByGrantId removes).
 */
export const accountModels: ReadonlySet<string> = new Set(['Session', 'Grant']);

/** Seconds to live, or undefined when the payload must not expire (never NaN, 0 or negative). */
export function ttlSeconds(expiresIn: number | undefined): number | undefined {
  return typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined;
}

export function stringField(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
