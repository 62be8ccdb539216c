/**
 * What a sign-in proved, as the ID token states it: `amr` with RFC 8176 values and an `acr`
 * naming the assurance (OIDC Core §2). Emailed codes and security questions are weaker than
 * TOTP or passkeys (docs/architecture.md), so the acr says plainly which of them happened:
 * the levels, weakest first, are config/acr-levels.ts; each method names its own (methods/).
 */
export { ACR, ACR_LEVELS as ACR_VALUES, acrRank, isAcr, meetsAcr, strongerAcr, type Acr } from '../../config/acr-levels.js';

// Each method's amr is on its object (methods/), RFC 8176 §2: otp for a one-time code, kba for questions.

/**
 * A recovery code typed instead of the authenticator app's code. RFC 8176 registers no value
 * for a look-up secret (NIST SP 800-63B §5.1.2), and `otp` would hide that the app was not
 * used: portals that want the app itself can tell the two apart.
 */
export const RECOVERY_CODE_AMR = 'recovery_code';
