import type { Account } from '../accounts.js';
import { findAccountById, recordCompletedSignIn } from '../accounts.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { authenticate } from '../authenticate.js';
import { advanceFlow, findFlow, startFlow, updateFlow } from '../flows/flow-record.js';
import { signInFlow, type SignInData, type SignInFlow, type SignInState } from '../flows/sign-in.js';
import { deviceLabel, isTrustedDevice, trustDevice } from '../trusted-devices.js';
import { sendUnlockMail, unlockByLink } from '../unlock.js';
import type { IdentityEnv } from './env.js';

type SignInEvent = { [S in SignInState]: keyof (typeof signInFlow.transitions)[S] }[SignInState];
/** Events that make the record (from `password`, which has none). */
export type StartEvent = keyof (typeof signInFlow.transitions)['password'];

/**
 * The sign-in flow's domain side: the password check, the flow record keyed by the
 * interaction uid, remembered devices, enrolment and the completed sign-in.
 */
export function signInService(env: IdentityEnv) {
  const { db, hasher, policy } = env;
  const ttlSeconds = policy.sessions.interaction_ttl_seconds;
  return {
    authenticate: (login: string, password: string, where: AuditOrigin, deviceToken?: string) => authenticate(db, hasher, policy, login, password, where, deviceToken),
    failed: (accountId: string | undefined, reason: string, where: AuditOrigin) => recordAudit(db, { action: 'sign_in.failed', actor: 'anonymous', accountId, details: { reason }, ...where }),

    account: (id: string) => findAccountById(db, id),
    /** This interaction's flow, with its account (undefined for none, or for a made-up name's lock). */
    async find(uid: string): Promise<{ flow: SignInFlow; account?: Account } | undefined> {
      const flow = await findFlow<SignInState, SignInEvent, SignInData>(db, signInFlow, uid);
      if (!flow) return undefined;
      return { flow, account: flow.accountId ? await findAccountById(db, flow.accountId) : undefined };
    },
    /** The record from the password's outcome; an earlier one of this interaction is replaced. */
    start: async (uid: string, event: StartEvent, accountId: string | null, data: SignInData) =>
      (await startFlow<SignInState, SignInEvent, SignInData>(db, signInFlow, event, { id: uid, accountId, data, ttlSeconds })).flow,
    /** Undefined when another request moved the flow first (a double submit); `data` is merged into the flow's. */
    move: (flow: SignInFlow, event: SignInEvent, data?: Partial<SignInData>) => advanceFlow(db, signInFlow, flow, event, data ? { data } : {}),
    /** Notes what the flow's next request needs, without moving it. */
    note: (flow: SignInFlow, data: Partial<SignInData>) => updateFlow(db, flow, { data }),

    isTrustedDevice: (accountId: string, token: string | undefined) => isTrustedDevice(db, accountId, token),
    trustDevice: (accountId: string, token: string, userAgent: string, origin: AuditOrigin) =>
      trustDevice(db, accountId, token, deviceLabel(userAgent), policy.second_step.trusted_device_days, origin),
    unlockByLink: (token: string, origin: AuditOrigin) => unlockByLink(db, token, origin),
    sendUnlockMail: (account: Account, link: (token: string) => string, origin: AuditOrigin) => sendUnlockMail(db, account, policy.lockout, link, origin),

    /** The end of every sign-in chain: "last sign-in" and the audit event. */
    async completed(accountId: string, amr: string[], acr: string, origin: AuditOrigin): Promise<void> {
      await recordCompletedSignIn(db, accountId);
      await recordAudit(db, { action: 'sign_in.succeeded', actor: `account:${accountId}`, accountId, ...origin, details: { amr, acr } });
    },
  };
}

export type SignInService = ReturnType<typeof signInService>;
