import QRCode from 'qrcode';
import { groupedKey, otpauthUri, shownRecoveryCode } from '../identity/second-step/totp.js';
import type { Account } from '../storage/schema.js';
import type { MethodEnv, MethodPage } from './types.js';

/**
 * The enrolment page's data: the QR code drawn on the server as SVG markup (no script, and only
 * presentation attributes, which the CSP's style-src does not govern) and the key as text.
 * Undefined when there is no key to set up: the account's app is confirmed.
 */
export async function enrolmentPage(env: Pick<MethodEnv, 'config'>, account: Account, secret: string | undefined): Promise<MethodPage | undefined> {
  if (!secret) return undefined;
  // The name the app lists the account under: the instance's (the health plan's), as its pages and mails say.
  const issuer = env.config.policy.branding.service_name;
  const qrSvg = await QRCode.toString(otpauthUri(issuer, account.username, secret), { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return { view: 'authenticator-app-enrol', data: { qrSvg, key: groupedKey(secret) } };
}

/** The recovery codes, shown this once. */
export const recoveryCodesPage = (codes: string[]): MethodPage => ({ view: 'authenticator-app-codes', data: { recoveryCodes: codes.map(shownRecoveryCode) } });
