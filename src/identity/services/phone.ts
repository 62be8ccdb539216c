import type { Account } from '../accounts.js';
import type { AuditOrigin } from '../audit.js';
import { numberEnding } from '../second-step/phone-number.js';
import { cancelPending, confirmNewNumber, enrolmentStage, proveCurrent, removePhone, resendToNew, sendToCurrent, startNewNumber } from '../second-step/phone-enrolment.js';
import type { PhoneChannel, PhoneEnv } from '../second-step/phone-send.js';
import { phoneOf } from '../second-step/phone.js';
import type { IdentityEnv } from './env.js';

/** The account page's side of the phone method: set a number up, change it, remove it. */
export function phoneService({ db, policy, issuer, phone }: IdentityEnv) {
  const env: PhoneEnv = { db, gateway: phone, policy: policy.second_step.phone, issuer };
  return {
    /** The last two digits of the account's number, or undefined without one. */
    ending: async (accountId: string) => {
      const e164 = await phoneOf(db, accountId);
      return e164 && numberEnding(e164);
    },
    stage: (accountId: string) => enrolmentStage(db, accountId),
    sendToCurrent: (account: Account, channel: PhoneChannel, origin: AuditOrigin) => sendToCurrent(env, account, channel, origin),
    proveCurrent: (account: Account, code: string, origin: AuditOrigin) => proveCurrent(db, account, code, policy.code_failures, origin),
    startNew: (account: Account, typed: string, channel: PhoneChannel, origin: AuditOrigin) => startNewNumber(env, account, typed, channel, origin),
    resendToNew: (account: Account, channel: PhoneChannel, origin: AuditOrigin) => resendToNew(env, account, channel, origin),
    confirmNew: (account: Account, code: string, origin: AuditOrigin) => confirmNewNumber(env, account, code, policy.code_failures, origin),
    cancel: (accountId: string) => cancelPending(db, accountId),
    remove: (account: Account, origin: AuditOrigin) => removePhone(db, account, origin),
  };
}
