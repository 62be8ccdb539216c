import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.js';
import { ACR } from '../identity/second-step/assurance.js';

/**
 * Whether this authorization needs a second step even from a remembered device: the portal is
 * configured so (require_second_step in the clients file), or it asked for the second-step acr
 * in acr_values (OIDC Core §3.1.2.1) or as an essential acr claim.
 */
export function secondStepDemanded(config: Config, clientId: unknown, acrValues: unknown): boolean {
  if (typeof clientId === 'string' && config.clients.settings.get(clientId)?.requireSecondStep) return true;
  return typeof acrValues === 'string' && acrValues.split(' ').includes(ACR.secondStep);
}

/** For the login prompt's check: a session whose sign-in did not take the second step falls short. */
export function sessionFallsShort(config: Config, ctx: KoaContextWithOIDC): boolean {
  const { oidc } = ctx;
  if (!oidc.session?.accountId || oidc.result?.login) return false;
  if (!secondStepDemanded(config, oidc.client?.clientId, oidc.params?.acr_values)) return false;
  return oidc.session.acr !== ACR.secondStep;
}
