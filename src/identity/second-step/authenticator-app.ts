import type { Policy } from '../../config/policy.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { openSealedFrom, secretBoxFor } from '../../storage/secret-box.js';
import { notify } from '../account-settings.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { clearCodeFailures, countFailure, gateOf, lockCounter, type CodeFailuresPolicy } from '../code-failures.js';
import { codeHmacKey, keyedHash } from '../keyed-hash.js';
import { closed } from '../one-time-codes.js';
import { inTransaction } from '../transaction.js';
import { asCodeAttempt, type IdLocked } from './code-attempt.js';
import { matchStep, newRecoveryCode, newSecret, readTypedCode, RECOVERY_CODE_COUNT, type TypedCode } from './totp.js';

/*
 * An account's authenticator app (TOTP, RFC 6238) and its recovery codes. The secret is sealed
 * with the keys-encryption key, the account as associated data, so a copied value opens in no
 * other row. A wrong code counts twice over. Towards the ID's lock (lockout.ts, counter
 * 'code'), as a wrong password or set of answers does, together with wrong emailed and phone
 * codes (code-attempt.ts): `lockout.max_failed_codes` in a row lock the ID. And where a wrong emailed code counts (code-failures.ts, the password door: only
 * someone past the right password gets here), whose closed gate refuses every code, the app's,
 * a recovery code and an emailed one alike, and whose row lock serialises the checks of one
 * account, so that two requests cannot both use one code.
 */

const aad = (accountId: string) => `authenticator_apps:${accountId}`;
const recoveryLabel = (accountId: string) => `authenticator_recovery:${accountId}`;
const DOOR = 'password';

/** Whether the account has a confirmed app. */
export async function hasAuthenticatorApp(db: Db, accountId: string): Promise<boolean> {
  const row = await db.selectFrom('authenticator_apps').select('account_id').where('account_id', '=', accountId).where('confirmed_at', 'is not', null).executeTakeFirst();
  return row !== undefined;
}

/**
 * The secret an enrolment shows (QR code and key), kept unconfirmed until a code proves the app
 * has it: the same one on every visit until then, so scanning and then reloading still works.
 * Undefined once an app is confirmed (removing it comes first). `db` is a root handle: it seals.
 */
export async function enrolmentSecret(db: Db, accountId: string): Promise<string | undefined> {
  const existing = await db.selectFrom('authenticator_apps').select(['secret_sealed', 'confirmed_at']).where('account_id', '=', accountId).executeTakeFirst();
  if (existing) return existing.confirmed_at ? undefined : openSealedFrom(db, existing.secret_sealed, aad(accountId));
  const box = await secretBoxFor(db);
  await db.insertInto('authenticator_apps').values({ account_id: accountId, secret_sealed: box.seal(newSecret(), aad(accountId)) }).onConflict((oc) => oc.column('account_id').doNothing()).execute();
  return enrolmentSecret(db, accountId);
}

async function replaceRecoveryCodes(trx: Db, accountId: string): Promise<string[]> {
  const key = await codeHmacKey(trx);
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await trx.deleteFrom('authenticator_recovery_codes').where('account_id', '=', accountId).execute();
  await trx.insertInto('authenticator_recovery_codes').values(codes.map((code) => ({ account_id: accountId, code_hash: keyedHash(key, recoveryLabel(accountId), code) }))).execute();
  return codes;
}

export type Confirmation = { ok: true; recoveryCodes: string[] } | { ok: false; reason: 'malformed' | 'wrong' | 'not_pending' };

/**
 * A new secret for an account whose app is confirmed (a lost phone, a new one), kept beside the
 * old until a code from the new app confirms it: the same one on every visit until then. The
 * old app keeps working meanwhile. Undefined when the account has no confirmed app.
 */
export async function replacementSecret(db: Db, accountId: string): Promise<string | undefined> {
  const row = await db.selectFrom('authenticator_apps').select('pending_secret_sealed').where('account_id', '=', accountId).where('confirmed_at', 'is not', null).executeTakeFirst();
  if (!row) return undefined;
  if (row.pending_secret_sealed) return openSealedFrom(db, row.pending_secret_sealed, aad(accountId));
  const box = await secretBoxFor(db);
  // Only where no other request put one first: two tabs show the same key.
  await db.updateTable('authenticator_apps').set({ pending_secret_sealed: box.seal(newSecret(), aad(accountId)) }).where('account_id', '=', accountId).where('pending_secret_sealed', 'is', null).execute();
  return replacementSecret(db, accountId);
}

/**
 * The first code from the app being set up: a first app is confirmed, or a replacement takes the
 * old secret's place (whose codes stop working); its step is used, ten new recovery codes made
 * (returned once, in clear, to be shown once), the change audited and the owner told by email.
 */
export async function confirmAuthenticatorApp(db: Db, account: Account, typed: string, origin: AuditOrigin = {}, now = new Date()): Promise<Confirmation> {
  const code = readTypedCode(typed);
  if (code.kind !== 'app') return { ok: false, reason: 'malformed' };
  return inTransaction(db, async (trx) => {
    const row = await trx.selectFrom('authenticator_apps').select(['secret_sealed', 'confirmed_at', 'pending_secret_sealed']).where('account_id', '=', account.id).forUpdate().executeTakeFirst();
    const sealed = !row ? undefined : row.confirmed_at ? row.pending_secret_sealed : row.secret_sealed;
    if (!sealed) return { ok: false, reason: 'not_pending' };
    const step = matchStep(await openSealedFrom(db, sealed, aad(account.id)), code.code, now);
    if (step === undefined) return { ok: false, reason: 'wrong' };
    await trx.updateTable('authenticator_apps').set({ secret_sealed: sealed, pending_secret_sealed: null, confirmed_at: now, last_used_step: step }).where('account_id', '=', account.id).execute();
    const recoveryCodes = await replaceRecoveryCodes(trx, account.id);
    const action = row!.confirmed_at ? 'authenticator_app.replaced' : 'authenticator_app.enrolled';
    await recordAudit(trx, { action, actor: `account:${account.id}`, accountId: account.id, ...origin });
    await notify(trx, account, 'authenticator_app');
    return { ok: true, recoveryCodes };
  });
}

export type AppCheck =
  | { ok: true; recoveryCode: boolean }
  | { ok: false; reason: 'malformed' }
  | IdLocked
  /**
   * replayed: the app's code of a step already used (not counted: the person typed it again, it is no guess).
   * `locked` here: codes are refused by the code-failures gate (code-failures.ts), the ID itself is not locked.
   */
  | { ok: false; reason: 'wrong' | 'replayed' | 'too_many_attempts'; waitSeconds?: number; locked?: boolean };

/**
 * Checks a code typed at the second step: the app's (one step of drift either way, newer than
 * the last accepted step) or an unused recovery code (used up by this). One code is one attempt
 * on the ID's 'code' counter, shared with emailed and phone codes (code-attempt.ts).
 */
export async function checkAuthenticatorCode(db: Db, accountId: string, typed: string, policy: Pick<Policy, 'code_failures' | 'lockout'>, origin: AuditOrigin = {}, now = new Date()): Promise<AppCheck> {
  const code = readTypedCode(typed);
  if (code.kind === 'malformed') return { ok: false, reason: 'malformed' };
  // A code typed again ('replayed'), or one the code-failures gate refused unchecked, is no guess: only 'wrong' counts.
  const attempt = async () => {
    const check = await checkCode(db, accountId, code, policy.code_failures, now);
    if (!check.ok) await recordAudit(db, { action: 'second_step.app_failed', actor: 'anonymous', accountId, details: { reason: check.reason, kind: code.kind }, ...origin });
    return check;
  };
  const check = await asCodeAttempt(db, accountId, policy.lockout, attempt, origin);
  if (check.ok && check.recoveryCode) await recordAudit(db, { action: 'authenticator_app.recovery_code_used', actor: `account:${accountId}`, accountId, details: { left: await recoveryCodesLeft(db, accountId) }, ...origin });
  return check;
}

/**
 * The check itself. Checks of one account are serialised on its code-failures row, so two
 * requests cannot both use one code.
 */
function checkCode(db: Db, accountId: string, code: Exclude<TypedCode, { kind: 'malformed' }>, failures: CodeFailuresPolicy, now: Date): Promise<AppCheck> {
  return inTransaction(db, async (trx): Promise<AppCheck> => {
    const counter = await lockCounter(trx, accountId, DOOR);
    const gate = gateOf(counter, failures, now);
    if (!gate.open) return { ok: false, reason: 'too_many_attempts', ...closed(gate) };
    let accepted = false;
    if (code.kind === 'app') {
      const app = await trx.selectFrom('authenticator_apps').select(['secret_sealed', 'last_used_step']).where('account_id', '=', accountId).where('confirmed_at', 'is not', null).executeTakeFirst();
      const step = app && matchStep(await openSealedFrom(db, app.secret_sealed, aad(accountId)), code.code, now);
      if (step !== undefined && app!.last_used_step !== null && step <= app!.last_used_step) return { ok: false, reason: 'replayed' };
      if (step !== undefined) {
        await trx.updateTable('authenticator_apps').set({ last_used_step: step }).where('account_id', '=', accountId).execute();
        accepted = true;
      }
    } else {
      const key = await codeHmacKey(trx);
      const used = await trx
        .updateTable('authenticator_recovery_codes')
        .set({ used_at: now })
        .where('account_id', '=', accountId)
        .where('code_hash', '=', keyedHash(key, recoveryLabel(accountId), code.code))
        .where('used_at', 'is', null)
        .returning('code_hash')
        .executeTakeFirst();
      accepted = used !== undefined;
    }
    if (accepted) {
      await clearCodeFailures(trx, accountId, DOOR);
      return { ok: true, recoveryCode: code.kind === 'recovery' };
    }
    return { ok: false, reason: 'wrong', ...closed(await countFailure(trx, accountId, DOOR, counter.failures, failures, now)) };
  });
}

export async function recoveryCodesLeft(db: Db, accountId: string): Promise<number> {
  const row = await db.selectFrom('authenticator_recovery_codes').select((eb) => eb.fn.countAll<string>().as('left')).where('account_id', '=', accountId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.left);
}

/**
 * Deletes the app, confirmed or half set up, and its recovery codes, and tells the owner by
 * email when a confirmed one went. Whether a confirmed app went; the caller audits who did it.
 */
export async function deleteAuthenticatorApp(trx: Db, account: Account, by: 'owner' | 'help_desk' = 'owner'): Promise<boolean> {
  const removed = await trx.deleteFrom('authenticator_apps').where('account_id', '=', account.id).returning('confirmed_at').executeTakeFirst();
  await trx.deleteFrom('authenticator_recovery_codes').where('account_id', '=', account.id).execute();
  if (!removed?.confirmed_at) return false;
  await notify(trx, account, by === 'owner' ? 'authenticator_app_removed' : 'authenticator_app_reset');
  return true;
}

/** The owner removes the app from the account page: audited, and told by email. */
export async function removeAuthenticatorApp(db: Db, account: Account, origin: AuditOrigin = {}): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const removed = await deleteAuthenticatorApp(trx, account);
    if (removed) await recordAudit(trx, { action: 'authenticator_app.removed', actor: `account:${account.id}`, accountId: account.id, ...origin });
    return removed;
  });
}

/**
 * Reseals the secrets an older keys-encryption key sealed (`keys rotate-encryption`), a
 * replacement waiting to be confirmed too. Each row is rewritten only if unchanged since read,
 * so it is safe while servers run; a second run finds nothing.
 */
export async function resealAuthenticatorSecrets(db: Db): Promise<number> {
  const box = await secretBoxFor(db);
  const reseal = (sealed: string, accountId: string) => (box.sealedWithOlderKey(sealed) ? box.seal(box.open(sealed, aad(accountId)), aad(accountId)) : sealed);
  let changed = 0;
  for (const row of await db.selectFrom('authenticator_apps').select(['account_id', 'secret_sealed', 'pending_secret_sealed']).execute()) {
    const secret = reseal(row.secret_sealed, row.account_id);
    const pending = row.pending_secret_sealed && reseal(row.pending_secret_sealed, row.account_id);
    if (secret === row.secret_sealed && pending === row.pending_secret_sealed) continue;
    const result = await db
      .updateTable('authenticator_apps')
      .set({ secret_sealed: secret, pending_secret_sealed: pending })
      .where('account_id', '=', row.account_id)
      .where('secret_sealed', '=', row.secret_sealed)
      .where((eb) => (row.pending_secret_sealed === null ? eb('pending_secret_sealed', 'is', null) : eb('pending_secret_sealed', '=', row.pending_secret_sealed)))
      .executeTakeFirst();
    changed += Number(result.numUpdatedRows);
  }
  return changed;
}
