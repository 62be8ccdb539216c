import type { AccountType } from '../config/policy-account-types.js';
import type { Db } from '../storage/database.js';
import type { Account } from '../storage/schema.js';
import { findAccountByLogin } from './accounts.js';
import { operatorAudit, recordAudit, type AdminClient, type Operator, type StaffMember } from './audit.js';
import { emitAccountEvent } from './account-events.js';
import { endAllSessions } from './sessions.js';
import { clearCodeFailures } from './code-failures.js';
import { OPERATOR_LOCK, reenable } from './lockout.js';
import { deleteAuthenticatorApp, hasAuthenticatorApp, recoveryCodesLeft } from './second-step/authenticator-app.js';
import { deletePasskeys, listPasskeys } from './second-step/passkeys.js';
import { deletePhone } from './second-step/phone-enrolment.js';
import { numberEnding } from './second-step/phone-number.js';
import { phoneOf } from './second-step/phone.js';
import { forgetDevices, listTrustedDevices } from './trusted-devices.js';
import { inTransaction } from './transaction.js';
import { noPortalSessions, type PortalSessions } from './portal-sessions.js';

/*
 * What the help desk does to one account. Every action writes an audit
 * event naming the operator, in the same transaction as its change.
 */

export interface AccountReport {
  id: string;
  username: string;
  email: string;
  emailVerified: boolean;
  accountType: string;
  status: 'active' | 'disabled';
  lockReason: string | null;
  lockedAt: Date | null;
  failedPasswords: number;
  failedAnswers: number;
  /** Authenticator-app and recovery codes. */
  failedCodes: number;
  lastSignInAt: Date | null;
  securityQuestionsSet: boolean;
  /** Undefined when none is set up; else how many of its recovery codes are unused. */
  authenticatorApp: { recoveryCodesLeft: number } | undefined;
  passkeys: { name: string; createdAt: Date }[];
  /** The phone number's last two digits, or undefined when none is set up. */
  phoneEnding: string | undefined;
  trustedDevices: Array<{ label: string; createdAt: Date; lastUsedAt: Date; expiresAt: Date }>;
}

export async function describeAccount(db: Db, account: Account): Promise<AccountReport> {
  const answers = await db.selectFrom('security_answers').select('question_id').where('account_id', '=', account.id).execute();
  const devices = await listTrustedDevices(db, account.id);
  return {
    id: account.id,
    username: account.username,
    email: account.email,
    emailVerified: account.email_verified_at !== null,
    accountType: account.account_type,
    status: account.status,
    lockReason: account.lock_reason,
    lockedAt: account.locked_at,
    failedPasswords: account.failed_password_count,
    failedAnswers: account.failed_answer_count,
    failedCodes: account.failed_code_count,
    lastSignInAt: account.last_sign_in_at,
    securityQuestionsSet: answers.length > 0,
    authenticatorApp: (await hasAuthenticatorApp(db, account.id)) ? { recoveryCodesLeft: await recoveryCodesLeft(db, account.id) } : undefined,
    passkeys: (await listPasskeys(db, account.id)).map((p) => ({ name: p.name, createdAt: p.createdAt })),
    phoneEnding: await phoneEndingOf(db, account.id),
    trustedDevices: devices.map((d) => ({ label: d.label, createdAt: d.created_at, lastUsedAt: d.last_used_at, expiresAt: d.expires_at })),
  };
}

async function phoneEndingOf(db: Db, accountId: string): Promise<string | undefined> {
  const e164 = await phoneOf(db, accountId);
  return e164 && numberEnding(e164);
}

/** The help desk's actions on one ID, in the order the console offers them (set_type, with its argument, apart). */
export const OPERATOR_ACTIONS = [
  'unlock',
  'enable',
  'disable',
  'end_sessions',
  'require_password_change',
  'forget_devices',
  'reset_security_questions',
  'reset_authenticator_app',
  'reset_passkeys',
  'reset_phone',
] as const;

export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

export const isOperatorAction = (value: unknown): value is OperatorAction => OPERATOR_ACTIONS.includes(value as OperatorAction);

/** The account by username or email, or undefined. */
export function findForOperator(db: Db, login: string): Promise<Account | undefined> {
  return findAccountByLogin(db, login);
}

/** Actions after which no portal may keep the person signed in (back-channel logout). */
const ENDS_SESSIONS: ReadonlySet<OperatorAction> = new Set(['disable', 'end_sessions']);

/**
 * Runs one help-desk action; returns whether it changed anything (unlocking an active
 * account does not). `unlock` lifts a lock from failures or an operator; `enable` is its
 * synonym for accounts an operator disabled. Disabling and ending sessions then end the
 * account's sessions in the protocol store and tell the portals, once the change is committed.
 */
export async function operatorAction(db: Db, account: Account, action: OperatorAction, operator: string | Operator | AdminClient | StaffMember, portals: PortalSessions = noPortalSessions): Promise<boolean> {
  const changed = await inTransaction(db, async (trx) => {
    const changed = await apply(trx, account, action);
    const { actor, details, clientId } = operatorAudit(operator);
    await recordAudit(trx, { action: `operator.${action}`, actor, accountId: account.id, clientId, details: { ...details, changed } });
    return changed;
  });
  if (ENDS_SESSIONS.has(action)) await portals.endAll(account.id);
  return changed;
}

async function apply(db: Db, account: Account, action: OperatorAction): Promise<boolean> {
  switch (action) {
    case 'unlock':
    case 'enable': {
      // Which it was decides what the portals hear: an operator's disable ends in `enabled`, a lock in `unlocked`.
      const before = await db.selectFrom('accounts').select('lock_reason').where('id', '=', account.id).forUpdate().executeTakeFirst();
      const reenabled = await reenable(db, account.id);
      if (reenabled) await emitAccountEvent(db, before?.lock_reason === OPERATOR_LOCK ? 'account.enabled' : 'account.unlocked', account.id);
      // A door closed by wrong one-time codes is a lock too (code-failures.ts): the help desk opens it.
      const opened = await clearCodeFailures(db, account.id, 'password');
      return reenabled || opened;
    }
    case 'disable': {
      const done = await db
        .updateTable('accounts')
        .set({ status: 'disabled', lock_reason: OPERATOR_LOCK, locked_at: new Date(), updated_at: new Date() })
        .where('id', '=', account.id)
        .where('status', '=', 'active')
        .returning('id')
        .executeTakeFirst();
      if (done) await emitAccountEvent(db, 'account.disabled', account.id);
      return done !== undefined;
    }
    case 'end_sessions':
      // What "sign out everywhere" does: every session and token, refresh tokens included,
      // whose sign-in came before now stops counting (sessions.ts).
      await endAllSessions(db, account.id);
      return true;
    case 'forget_devices':
      return (await forgetDevices(db, account.id)) > 0;
    case 'reset_security_questions': {
      // With no answers left, the next sign-in enrols new ones after its emailed code.
      const result = await db.deleteFrom('security_answers').where('account_id', '=', account.id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    }
    case 'reset_authenticator_app':
      // A person who lost the phone: the owner is told by email, the next sign-in offers the
      // other methods, and a policy that requires the app sets a new one up after them.
      return deleteAuthenticatorApp(db, account, 'help_desk');
    case 'reset_passkeys':
      return deletePasskeys(db, account);
    case 'reset_phone':
      // A lost or changed number: the owner is told by email, the next sign-in offers the other
      // methods, and the owner sets a new number up from the account page without the old one.
      return deletePhone(db, account, 'help_desk');
    case 'require_password_change': {
      // The next sign-in, after the password and second step, asks for a new one (oidc/account-prompts.ts new_password).
      const done = await db.updateTable('accounts').set({ must_change_password: true, updated_at: new Date() }).where('id', '=', account.id).where('must_change_password', '=', false).returning('id').executeTakeFirst();
      return done !== undefined;
    }
  }
}

/** Whether `type` is one the policy declares: the only types an ID may be given. */
export function declaredAccountType(types: readonly AccountType[], type: string): boolean {
  return types.some((t) => t.id === type);
}

export type SetTypeOutcome = { ok: true; changed: boolean } | { ok: false; declared: string[] };

/**
 * Gives the ID another of the policy's types (what it may use to sign in, how it is unlocked
 * and recovers follow from it); an undeclared type is refused with the declared ones. Audited
 * as operator.set_type with the old and new type.
 */
export function setAccountType(db: Db, types: readonly AccountType[], account: Account, type: string, operator: string | Operator | AdminClient | StaffMember): Promise<SetTypeOutcome> {
  if (!declaredAccountType(types, type)) return Promise.resolve({ ok: false, declared: types.map((t) => t.id) });
  return inTransaction(db, async (trx) => {
    // The type as it is now, the row held until the end: with two operators at once, the
    // second's `from` is the first's `to`, not the type both read before either wrote.
    const current = await trx.selectFrom('accounts').select('account_type').where('id', '=', account.id).forUpdate().executeTakeFirst();
    const done = await trx.updateTable('accounts').set({ account_type: type, updated_at: new Date() }).where('id', '=', account.id).where('account_type', '!=', type).returning('id').executeTakeFirst();
    const changed = done !== undefined;
    const { actor, details, clientId } = operatorAudit(operator);
    await recordAudit(trx, { action: 'operator.set_type', actor, accountId: account.id, clientId, details: { ...details, from: current?.account_type ?? account.account_type, to: type, changed } });
    return { ok: true, changed };
  });
}
