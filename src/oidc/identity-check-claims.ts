import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.js';
import { findCheckedSubject } from '../identity/registration/identity-check.js';
import type { Db } from '../storage/database.js';

/** Every claim an identity check releases, so oidc-provider lets them through (with `openid`). */
export function identityCheckClaimNames(config: Config): string[] {
  return [...new Set(config.policy.account_types.flatMap((t) => (t.identity_check ? [t.identity_check.claim] : [])))];
}

/**
 * The plan's subject id the ID was checked with, under the check's claim, only for the portals
 * that check lists; any other portal gets nothing (and costs no read).
 */
export async function identityCheckClaims(config: Config, db: Db, ctx: KoaContextWithOIDC | undefined, accountId: string): Promise<Record<string, string>> {
  const clientId = ctx?.oidc?.client?.clientId;
  if (!clientId || !config.policy.account_types.some((t) => t.identity_check?.portals.includes(clientId))) return {};
  const found = await findCheckedSubject(db, accountId);
  const check = found && config.policy.account_types.find((t) => t.id === found.account_type)?.identity_check;
  return found && check?.portals.includes(clientId) ? { [check.claim]: found.subject } : {};
}
