/**
 * What a sign-in proved, as the ID token states it: `amr` with RFC 8176 values and an `acr`
 * naming the assurance (OIDC Core §2). Emailed codes and security questions are weaker than
 * TOTP or passkeys (docs/architecture.md), so the acr says plainly which of them happened.
 */
export const ACR = {
  /** Password, on a device remembered after an earlier second step. */
  trustedDevice: 'urn:portico:acr:trusted-device',
  /** Password and a second step in this sign-in. */
  secondStep: 'urn:portico:acr:second-step',
} as const;

export const ACR_VALUES = [ACR.trustedDevice, ACR.secondStep];

// Each method's amr is on its object (methods/), RFC 8176 §2: otp for a one-time code, kba for questions.

/**
 * A recovery code typed instead of the authenticator app's code. RFC 8176 registers no value
 * for a look-up secret (NIST SP 800-63B §5.1.2), and `otp` would hide that the app was not
 * used: portals that want the app itself can tell the two apart.
 */
export const RECOVERY_CODE_AMR = 'recovery_code';
