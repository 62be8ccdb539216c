import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.js';
import type { PorticoClientSettings } from '../../src/config/clients.js';
import { ACR, ACR_VALUES, meetsAcr } from '../../src/identity/second-step/assurance.js';
import { acrDemand, statedAcr } from '../../src/oidc/acr-demand.js';

const portal = (settings: Partial<PorticoClientSettings>): PorticoClientSettings => ({ clientName: 'P', firstParty: true, requireSecondStep: false, ...settings });
const config = {
  clients: {
    settings: new Map([
      ['plain', portal({})],
      ['strict', portal({ requireSecondStep: true })],
      ['otp', portal({ minimumAcr: ACR.otp })],
    ]),
  },
} as unknown as Config;

describe('assurance levels', () => {
  it('are ordered weakest first, and a level meets the ones before it', () => {
    expect(ACR_VALUES).toEqual([ACR.trustedDevice, ACR.secondStep, ACR.otp, ACR.phishingResistant]);
    expect(meetsAcr(ACR.otp, ACR.secondStep)).toBe(true);
    expect(meetsAcr(ACR.secondStep, ACR.otp)).toBe(false);
    expect(meetsAcr(undefined, ACR.secondStep)).toBe(false);
    expect(meetsAcr(undefined, undefined)).toBe(true);
  });
});

describe('what an authorization demands', () => {
  it('takes the strongest of minimum_acr, require_second_step and acr_values', () => {
    expect(acrDemand(config, 'plain', undefined)).toEqual({ level: undefined, named: false });
    expect(acrDemand(config, 'strict', undefined)).toEqual({ level: ACR.secondStep, named: false });
    expect(acrDemand(config, 'otp', ACR.secondStep)).toEqual({ level: ACR.otp, named: true });
    expect(acrDemand(config, 'strict', ACR.otp).level).toBe(ACR.otp);
  });

  it('reads acr_values as a minimum: the weakest level listed that Portico knows', () => {
    expect(acrDemand(config, 'plain', `${ACR.phishingResistant} ${ACR.otp}`)).toEqual({ level: ACR.otp, named: true });
    expect(acrDemand(config, 'plain', `urn:other:gold ${ACR.otp}`).level).toBe(ACR.otp);
    expect(acrDemand(config, 'plain', ACR.secondStep)).toEqual({ level: ACR.secondStep, named: false });
    expect(acrDemand(config, 'plain', ACR.trustedDevice).level).toBeUndefined();
    expect(acrDemand(config, 'plain', 'urn:other:gold').level).toBeUndefined();
  });

  it('tells a portal that never named a level above second-step no more than second-step', () => {
    expect(statedAcr(ACR.otp, { named: false })).toBe(ACR.secondStep);
    expect(statedAcr(ACR.trustedDevice, { named: false })).toBe(ACR.trustedDevice);
    expect(statedAcr(ACR.otp, { level: ACR.otp, named: true })).toBe(ACR.otp);
    expect(statedAcr(ACR.phishingResistant, { level: ACR.secondStep, named: true })).toBe(ACR.phishingResistant);
  });
});
