import type { FlowDeps } from './deps.js';

export function isFirstParty(deps: FlowDeps, clientId: unknown): boolean {
  return typeof clientId === 'string' && deps.config.clients.settings.get(clientId)?.firstParty === true;
}
