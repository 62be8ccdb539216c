import type { FlowDeps } from '../deps.js';
import type { AccountPlace } from './place.js';

/** The security page's remembered devices, each with the day it was last used. */
export async function devicesSection(deps: FlowDeps, place: AccountPlace): Promise<{ devices: { id: string; label: string; lastUsed: string }[] }> {
  const { devices } = await deps.identity.account.view(place.account, place.flow);
  return { devices: devices.map((d) => ({ id: d.id, label: d.label, lastUsed: d.last_used_at.toISOString().slice(0, 10) })) };
}
