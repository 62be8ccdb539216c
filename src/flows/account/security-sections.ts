import type { FlowDeps } from '../deps.js';
import { authenticatorAppSection } from './authenticator-app-section.js';
import { devicesSection } from './devices-section.js';
import { passkeySection } from './passkey-section.js';
import { phoneSection } from './phone-section.js';
import type { AccountPlace } from './place.js';
import { questionsSection } from './questions-section.js';

/** One part of the security page: the partial views/partials/account/<partial>.eta and what it shows. */
export interface SecuritySection {
  partial: string;
  data: Record<string, unknown>;
}

type SectionBuilder = (deps: FlowDeps, place: AccountPlace) => Promise<SecuritySection | undefined>;

/**
 * The ways to prove it's you after the password, strongest first, then the devices that skip
 * that step. A new method adds its builder here (and its partial); a builder answers undefined
 * when the policy does not offer its method to the account's type (its own list in account_types).
 */
const BUILDERS: SectionBuilder[] = [
  async (deps, place) => {
    const passkeys = await passkeySection(deps, place.account);
    return passkeys && { partial: 'passkeys', data: { passkeys } };
  },
  async (deps, place) => {
    const app = await authenticatorAppSection(deps, place.account);
    return app && { partial: 'authenticator-app', data: app };
  },
  async (deps, place) => {
    const phone = await phoneSection(deps, place.account);
    return phone && { partial: 'phone', data: { phone } };
  },
  async (deps) => ({ partial: 'security-questions', data: questionsSection(deps) }),
  async (deps, place) => ({ partial: 'devices', data: await devicesSection(deps, place) }),
];

export async function securitySections(deps: FlowDeps, place: AccountPlace): Promise<SecuritySection[]> {
  const sections: SecuritySection[] = [];
  for (const build of BUILDERS) {
    const section = await build(deps, place);
    if (section) sections.push(section);
  }
  return sections;
}
