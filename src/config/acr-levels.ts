/**
 * Portico's assurance levels, as acr values (OIDC Core §2), weakest first: a level meets every
 * level before it. The list lives here, under config, because the clients file names them
 * (minimum_acr) and config reads nothing above it; identity/second-step/assurance.ts is what
 * the rest of Portico imports.
 */
export const ACR = {
  /** The password only in this sign-in, on a device remembered after an earlier second step. */
  trustedDevice: 'urn:portico:acr:trusted-device',
  /** The password and an emailed code or security questions: a mailbox or knowledge. */
  secondStep: 'urn:portico:acr:second-step',
  /** The password and an authenticator app's code (or one of its recovery codes): a device held. */
  otp: 'urn:portico:acr:otp',
  /** The password and an authenticator bound to the site's origin (a passkey). */
  phishingResistant: 'urn:portico:acr:phishing-resistant',
} as const;

export type Acr = (typeof ACR)[keyof typeof ACR];

/** Weakest to strongest; discovery's acr_values_supported. */
export const ACR_LEVELS: readonly Acr[] = [ACR.trustedDevice, ACR.secondStep, ACR.otp, ACR.phishingResistant];

export const isAcr = (value: unknown): value is Acr => ACR_LEVELS.includes(value as Acr);

/** Its place in ACR_LEVELS; -1 for anything else (a session from before levels, say). */
export const acrRank = (value: unknown): number => ACR_LEVELS.indexOf(value as Acr);

/** Whether `reached` is at least `demanded` (no demand: always). */
export const meetsAcr = (reached: unknown, demanded: Acr | undefined): boolean => demanded === undefined || acrRank(reached) >= acrRank(demanded);

/** The stronger of two levels (either, when equal). */
export const strongerAcr = (a: Acr, b: Acr): Acr => (acrRank(a) >= acrRank(b) ? a : b);
