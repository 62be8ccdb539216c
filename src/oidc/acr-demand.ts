import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.js';
import { ACR, acrRank, isAcr, meetsAcr, strongerAcr, type Acr } from '../identity/second-step/assurance.js';

/** The level an authorization demands, and whether the portal named a level at all. */
export interface AcrDemand {
  /** The weakest level the sign-in must reach; undefined: any. */
  level?: Acr;
  /**
   * The portal knows the levels: it has a minimum_acr, or its acr_values name one above
   * second-step. It is told every level. Any other portal is told only the two values Portico
   * always stated (statedAcr), so its tokens do not change for the same sign-in.
   */
  named: boolean;
}

/**
 * The acr_values request parameter as a demand (OIDC Core §3.1.2.1 leaves the choice to the
 * server): Portico treats it as a minimum, the weakest listed level it knows, so a portal
 * listing "otp phishing-resistant" accepts either. Values it does not know are ignored.
 */
function requestedLevel(acrValues: unknown): Acr | undefined {
  if (typeof acrValues !== 'string') return undefined;
  const known = acrValues.split(' ').filter(isAcr);
  return known.length === 0 ? undefined : known.reduce((a, b) => (acrRank(a) <= acrRank(b) ? a : b));
}

/**
 * What this authorization demands: the clients file's minimum_acr, its require_second_step (the
 * second-step level), and acr_values; the strongest of them.
 */
export function acrDemand(config: Config, clientId: unknown, acrValues: unknown): AcrDemand {
  const settings = typeof clientId === 'string' ? config.clients.settings.get(clientId) : undefined;
  const requested = requestedLevel(acrValues);
  const namesNewLevel = typeof acrValues === 'string' && acrValues.split(' ').some((v) => acrRank(v) > acrRank(ACR.secondStep));
  const levels = [settings?.requireSecondStep ? ACR.secondStep : undefined, settings?.minimumAcr, requested].filter((l): l is Acr => l !== undefined);
  const level = levels.length === 0 ? undefined : levels.reduce(strongerAcr);
  return { level: level === ACR.trustedDevice ? undefined : level, named: Boolean(settings?.minimumAcr) || namesNewLevel };
}

/**
 * The acr the token states for a sign-in that reached `reached`: the level itself to a portal
 * that named levels, else no more than second-step (what such a portal saw before there were
 * stronger levels; the amr still says which methods were used).
 */
export function statedAcr(reached: Acr, demand: AcrDemand): Acr {
  return demand.named || acrRank(reached) <= acrRank(ACR.secondStep) ? reached : ACR.secondStep;
}

/** For the login prompt's check: a session whose sign-in is weaker than the demand is asked to step up. */
export function sessionFallsShort(config: Config, ctx: KoaContextWithOIDC): boolean {
  const { oidc } = ctx;
  if (!oidc.session?.accountId || oidc.result?.login) return false;
  return !meetsAcr(oidc.session.acr, acrDemand(config, oidc.client?.clientId, oidc.params?.acr_values).level);
}
