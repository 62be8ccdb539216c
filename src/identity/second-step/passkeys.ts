import { createHash } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { notify } from '../account-settings.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { inTransaction } from '../transaction.js';
import { CHALLENGE_TTL_MS, keepChallenge, takeChallenge, type ChallengePurpose } from './passkey-challenges.js';
import { parseAuthentication, parseRegistration } from './webauthn-json.js';

/*
 * Passkeys (WebAuthn Level 2) as a second step, and the checks a passkey as the whole sign-in
 * shares with it (passkey-sign-in.ts). The relying party is the issuer: its hostname
 * is the rpID and its origin the only origin answers may come from, so an answer a look-alike
 * site obtained is refused. Challenges live in the database (passkey-challenges.ts), bound to
 * the account, the purpose and the sign-in. Answers are read through webauthn-json.ts, so the
 * library only ever decodes an answer of the right shape and size. The signature counter is
 * checked here rather than by the library, so that a counter going backwards (a cloned
 * authenticator) is told apart from other refusals and audited.
 */

export interface RelyingParty {
  rpID: string;
  origin: string;
  name: string;
}

export const relyingPartyOf = (issuer: string, name = 'Portico'): RelyingParty => {
  const url = new URL(issuer);
  return { rpID: url.hostname, origin: url.origin, name };
};

/** The name the policy gives passkeys (second_step.methods, account_types.<type>.methods). */
export const PASSKEY_METHOD = 'passkey';

/** The binding of challenges handed out by the account page (not tied to a sign-in). */
export const ACCOUNT_BINDING = 'account';
export const PASSKEY_NAME_MAX = 60;

export interface PasskeySummary {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export async function hasPasskey(db: Db, accountId: string): Promise<boolean> {
  return (await db.selectFrom('passkeys').select('credential_id').where('account_id', '=', accountId).executeTakeFirst()) !== undefined;
}

export async function listPasskeys(db: Db, accountId: string): Promise<PasskeySummary[]> {
  const rows = await db.selectFrom('passkeys').select(['credential_id', 'name', 'created_at', 'last_used_at']).where('account_id', '=', accountId).orderBy('created_at').execute();
  return rows.map((r) => ({ id: r.credential_id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
}

const descriptors = async (db: Db, accountId: string) =>
  (await db.selectFrom('passkeys').select(['credential_id', 'transports']).where('account_id', '=', accountId).execute()).map((r) => ({
    id: r.credential_id,
    transports: r.transports as AuthenticatorTransportFuture[],
  }));

export const timeout = CHALLENGE_TTL_MS - 60_000;

/**
 * The options a browser's navigator.credentials.create needs; its challenge is kept for the
 * answer. The passkey must be discoverable (a resident key): only then can the browser offer it
 * on a sign-in page that has not been told the username.
 */
export async function registrationOptions(db: Db, rp: RelyingParty, account: Account): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.rpID,
    userName: account.username,
    userID: new TextEncoder().encode(account.id),
    userDisplayName: [account.given_name, account.family_name].filter(Boolean).join(' '),
    attestationType: 'none',
    timeout,
    excludeCredentials: await descriptors(db, account.id),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  await keepChallenge(db, account.id, 'register', ACCOUNT_BINDING, options.challenge);
  return options;
}

/** The options of navigator.credentials.get for this account's passkeys, bound to one sign-in. */
export async function authenticationOptions(db: Db, rp: RelyingParty, accountId: string, binding: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await generateAuthenticationOptions({ rpID: rp.rpID, allowCredentials: await descriptors(db, accountId), userVerification: 'preferred', timeout });
  await keepChallenge(db, accountId, 'authenticate', binding, options.challenge);
  return options;
}

/**
 * Why an answer was refused. malformed: not a WebAuthn answer (garbled, or no passkey was
 * made: a browser without JavaScript posts nothing); challenge: not one handed out here, or
 * answered already, or expired; wrong_site: made for another origin or rpID; unknown: a
 * credential this account does not have; refused: the signature or attestation does not hold;
 * counter: the signature counter went backwards (a cloned authenticator).
 */
export type PasskeyRefusal = 'malformed' | 'challenge' | 'wrong_site' | 'unknown' | 'refused' | 'counter';

/** Whether authenticator data (registration's inside the attestation, so checked by the library) names this rpID. */
const rpIdHashMatches = (authenticatorData: string, rpID: string) =>
  Buffer.from(authenticatorData, 'base64url').subarray(0, 32).equals(createHash('sha256').update(rpID).digest());

export type Registration = { ok: true } | { ok: false; reason: PasskeyRefusal | 'duplicate' };

/** Verifies the browser's answer to `registrationOptions` and keeps the passkey: audited, the owner mailed. */
export async function registerPasskey(db: Db, rp: RelyingParty, account: Account, name: string, json: string, origin: AuditOrigin = {}): Promise<Registration> {
  const parsed = parseRegistration(json);
  if (!parsed) return { ok: false, reason: 'malformed' };
  if (!(await takeChallenge(db, account.id, 'register', ACCOUNT_BINDING, parsed.challenge))) return { ok: false, reason: 'challenge' };
  if (parsed.origin !== rp.origin) return { ok: false, reason: 'wrong_site' };
  let info;
  try {
    const result = await verifyRegistrationResponse({ response: parsed.response, expectedChallenge: parsed.challenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID, requireUserVerification: false });
    if (!result.verified) return { ok: false, reason: 'refused' };
    info = result.registrationInfo;
  } catch (error) {
    // The rpIdHash is inside the attestation object, which only the library decodes here.
    return { ok: false, reason: error instanceof Error && error.name === 'UnexpectedRPIDHash' ? 'wrong_site' : 'refused' };
  }
  const { credential } = info;
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('passkeys')
      .values({ credential_id: credential.id, account_id: account.id, public_key: Buffer.from(credential.publicKey), sign_count: credential.counter, transports: credential.transports ?? [], name })
      .onConflict((oc) => oc.column('credential_id').doNothing())
      .returning('credential_id')
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'duplicate' } as const;
    await recordAudit(trx, { action: 'passkey.registered', actor: `account:${account.id}`, accountId: account.id, details: { name, credential: credential.id.slice(0, 12) }, ...origin });
    await notify(trx, account, 'passkey');
    return { ok: true } as const;
  });
}

/** cross-platform: a security key or phone apart from the device; else the device itself. */
export type Attachment = 'platform' | 'cross-platform' | undefined;
export type PasskeyCheck = { ok: true; attachment: Attachment } | { ok: false; reason: PasskeyRefusal };

/** Verifies the browser's answer to `authenticationOptions` of this sign-in; refusals are audited. */
export async function checkPasskey(db: Db, rp: RelyingParty, accountId: string, binding: string, json: string, origin: AuditOrigin = {}, now = new Date()): Promise<PasskeyCheck> {
  const check = await verifyAssertion(db, rp, { accountId, purpose: 'authenticate', binding, userVerification: false }, json, now);
  if (!check.ok) {
    const action = check.reason === 'counter' ? 'passkey.counter_regressed' : 'second_step.passkey_failed';
    await recordAudit(db, { action, actor: 'anonymous', accountId, details: { reason: check.reason }, ...origin });
    return { ok: false, reason: check.reason };
  }
  return { ok: true, attachment: check.attachment };
}

/** What an answer must match: the challenge's account (null: any, named by the passkey), purpose and binding. */
export interface AssertionExpectation {
  accountId: string | null;
  purpose: ChallengePurpose;
  binding: string;
  /** The authenticator must have verified the person (PIN or biometric), not only seen them. */
  userVerification: boolean;
  /**
   * Whether the credential's account may use it at all (its type's methods). One that may not
   * is `unknown`, before its signature is checked, as a credential of no account is; the
   * check's `hidden` says why, for the audit only.
   */
  allowed?: (trx: Db, accountId: string) => Promise<boolean>;
}

export type AssertionCheck = { ok: true; accountId: string; attachment: Attachment } | { ok: false; reason: PasskeyRefusal; accountId?: string; hidden?: 'not_allowed' };

/** The userHandle an account's passkeys carry: its id, as registrationOptions set it. */
const userHandleOf = (accountId: string) => Buffer.from(accountId, 'utf8').toString('base64url');

/** Checks an answer to navigator.credentials.get against what was asked, and moves the passkey's counter on. */
export async function verifyAssertion(db: Db, rp: RelyingParty, expected: AssertionExpectation, json: string, now = new Date()): Promise<AssertionCheck> {
  const parsed = parseAuthentication(json);
  if (!parsed) return { ok: false, reason: 'malformed' };
  if (!(await takeChallenge(db, expected.accountId, expected.purpose, expected.binding, parsed.challenge, now))) return { ok: false, reason: 'challenge' };
  if (parsed.origin !== rp.origin || !rpIdHashMatches(parsed.response.response.authenticatorData, rp.rpID)) return { ok: false, reason: 'wrong_site' };
  return inTransaction(db, async (trx): Promise<AssertionCheck> => {
    let query = trx.selectFrom('passkeys').selectAll().where('credential_id', '=', parsed.response.id);
    if (expected.accountId !== null) query = query.where('account_id', '=', expected.accountId);
    const key = await query.forUpdate().executeTakeFirst();
    if (!key) return { ok: false, reason: 'unknown' };
    const accountId = key.account_id;
    if (expected.allowed && !(await expected.allowed(trx, accountId))) return { ok: false, reason: 'unknown', accountId, hidden: 'not_allowed' };
    // A discoverable passkey names its account too: it must be the one the credential belongs to.
    const handle = parsed.response.response.userHandle;
    if (handle !== undefined && handle !== userHandleOf(accountId)) return { ok: false, reason: 'unknown', accountId };
    let newCounter: number;
    try {
      // Counter 0 here: the library then accepts any counter, and the comparison below tells a clone apart.
      const result = await verifyAuthenticationResponse({
        response: parsed.response,
        expectedChallenge: parsed.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpID,
        credential: { id: key.credential_id, publicKey: new Uint8Array(key.public_key), counter: 0, transports: key.transports as AuthenticatorTransportFuture[] },
        requireUserVerification: expected.userVerification,
      });
      if (!result.verified) return { ok: false, reason: 'refused', accountId };
      newCounter = result.authenticationInfo.newCounter;
    } catch {
      return { ok: false, reason: 'refused', accountId };
    }
    const stored = Number(key.sign_count);
    // WebAuthn §6.1.1: authenticators without a counter always send 0; otherwise it must grow.
    if ((stored > 0 || newCounter > 0) && newCounter <= stored) return { ok: false, reason: 'counter', accountId };
    await trx.updateTable('passkeys').set({ sign_count: newCounter, last_used_at: now }).where('credential_id', '=', key.credential_id).execute();
    const attachment = parsed.response.authenticatorAttachment;
    return { ok: true, accountId, attachment: attachment === 'platform' || attachment === 'cross-platform' ? attachment : undefined };
  });
}

/**
 * The help desk removes every passkey of an account (lost or stolen devices), in the caller's
 * transaction: the owner is told by email; the next sign-in offers the other methods.
 */
export async function deletePasskeys(trx: Db, account: Account): Promise<boolean> {
  const removed = await trx.deleteFrom('passkeys').where('account_id', '=', account.id).returning('credential_id').execute();
  if (removed.length === 0) return false;
  await notify(trx, account, 'passkeys_reset');
  return true;
}

/** The owner removes one passkey from the account page: audited, and told by email. */
export async function removePasskey(db: Db, account: Account, credentialId: string, origin: AuditOrigin = {}): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const removed = await trx.deleteFrom('passkeys').where('account_id', '=', account.id).where('credential_id', '=', credentialId).returning('name').executeTakeFirst();
    if (!removed) return false;
    await recordAudit(trx, { action: 'passkey.removed', actor: `account:${account.id}`, accountId: account.id, details: { name: removed.name, credential: credentialId.slice(0, 12) }, ...origin });
    await notify(trx, account, 'passkey_removed');
    return true;
  });
}
