import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.js';
import { findLink } from '../identity/legacy/links.js';
import type { Db } from '../storage/database.js';

/** Every legacy claim name some portal declares, so oidc-provider lets it through (with `openid`). */
export function legacyClaimNames(config: Config): string[] {
  return [...new Set([...config.clients.settings.values()].flatMap((s) => (s.legacyLink ? [s.legacyLink.claim] : [])))];
}

/**
 * The linked legacy subject, only for the portal whose legacy_link.system it belongs to; every
 * other portal gets nothing.
 */
export async function legacyClaims(config: Config, db: Db, ctx: KoaContextWithOIDC | undefined, accountId: string): Promise<Record<string, string>> {
  const clientId = ctx?.oidc?.client?.clientId;
  const link = clientId ? config.clients.settings.get(clientId)?.legacyLink : undefined;
  if (!link) return {};
  const found = await findLink(db, accountId, link.system);
  return found ? { [link.claim]: found.subject } : {};
}
