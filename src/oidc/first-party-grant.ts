import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.js';

/**
 * First-party portals are the operator's own: their grant is created or widened without a
 * consent page, following oidc-provider's recipe for skipping consent
 * (docs/README.md "loadExistingGrant"). Third-party portals keep the consent prompt.
 */
export function makeLoadExistingGrant(config: Config) {
  return async (ctx: KoaContextWithOIDC) => {
    const { oidc } = ctx;
    const client = oidc.client!;
    const session = oidc.session!;
    const grantId = (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? session.grantIdFor(client.clientId);
    const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!config.clients.settings.get(client.clientId)?.firstParty) return existing;

    const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId! });
    grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
    const claims = oidc.requestParamClaims;
    if (claims?.size) grant.addOIDCClaims([...claims]);
    await grant.save();
    return grant;
  };
}
