import { z } from 'zod';
import { msg, type Msg } from '../../i18n/index.js';
import { confirmEmailChange, notify, pendingEmail, recordDevicesForgotten, startEmailChange, updateName } from '../account-settings.js';
import { findAccountById, type Account } from '../accounts.js';
import { latestAudit, recordAudit, type AuditOrigin } from '../audit.js';
import { advanceFlow, endFlow, findFlow, startFlow } from '../flows/flow-record.js';
import { settingsFlow, type SettingsData, type SettingsEvent, type SettingsFlow, type SettingsState } from '../flows/settings.js';
import { setPassword, type NewPassword, type SetPasswordOutcome } from '../recovery/set-password.js';
import { checkName } from '../registration/rules.js';
import { checkSecurityQuestions, type ChosenQuestion } from '../registration/security-answers.js';
import { enrolQuestions } from '../second-step/security-questions.js';
import { endAllSessions } from '../sessions.js';
import { deviceParts, forgetDevices, listTrustedDevices } from '../trusted-devices.js';
import type { IdentityEnv } from './env.js';

/** Field errors for the page to put beside its fields; empty when the change was made. */
export type FieldErrors = Record<string, Msg>;

export type EmailChangeOutcome = { ok: true; flow: SettingsFlow } | { ok: false; errors: FieldErrors; throttled?: boolean };

const anEmail = z.email();
const wrongPassword = (field: string): FieldErrors => ({ [field]: msg('account.error.password') });

/**
 * What the account page needs: the settings flow of the browser (identity/flows/settings.md),
 * the profile, the password, the email change, the security answers, remembered devices and
 * sessions. Changes that let someone take the ID over ask for the current password here, not
 * only a session someone may have left open (OWASP ASVS 4.0 3.7.1, re-authentication).
 */
export function accountService(env: IdentityEnv) {
  const { db, hasher, policy } = env;
  const passwordIs = (account: Account, password: string) => hasher.verify(account.password_hash, password);
  const find = (id: string | undefined) => findFlow<SettingsState, SettingsEvent, SettingsData>(db, settingsFlow, id);
  const start = (accountId: string) => startFlow<SettingsState, SettingsEvent, SettingsData>(db, settingsFlow, 'signed_in', { accountId, data: {} });
  const move = (flow: SettingsFlow, event: SettingsEvent, data?: SettingsData) => advanceFlow(db, settingsFlow, flow, event, data ? { data } : {});

  return {
    account: (id: string) => findAccountById(db, id),

    /**
     * The page's sign-in came back. A browser that was sent to type its password again returns
     * to where it was (a pending email change still waits); any other sign-in starts afresh.
     */
    async signedIn(previousId: string | undefined, accountId: string): Promise<string> {
      const previous = await find(previousId);
      if (previousId && previous?.accountId === accountId && (previous.state === 'reauthenticating' || previous.state === 'reauthenticating_email')) {
        const expiresAt = new Date(Date.now() + settingsFlow.ttlSeconds * 1000);
        if (await advanceFlow(db, settingsFlow, previous, 'reauthenticated', { expiresAt })) return previousId;
      }
      return (await start(accountId)).id;
    },
    /** The browser's flow for this account; one made now for a page session without one (or whose record expired). */
    async settings(id: string | undefined, accountId: string): Promise<{ id: string; flow: SettingsFlow }> {
      const flow = await find(id);
      if (id && flow?.accountId === accountId) return { id, flow };
      return start(accountId);
    },
    /** Whether a sensitive change must wait for a fresh sign-in: the window closed, or one is already owed. */
    owesSignIn: (flow: SettingsFlow, authTime: number, now = Date.now()) =>
      flow.state === 'reauthenticating' || flow.state === 'reauthenticating_email' || now / 1000 - authTime > policy.sessions.recent_auth_minutes * 60,
    reauthRequired: (flow: SettingsFlow) => move(flow, 'reauth_required'),
    async signedOut(id: string | undefined): Promise<void> {
      const flow = await find(id);
      if (flow) await endFlow(db, flow);
    },

    /** What the page shows besides the account: the address a change waits on, and remembered devices. */
    async view(account: Account, flow: SettingsFlow) {
      // The code's own record says whether it can still be typed (expiry, tries used up).
      const live = flow.state === 'email_pending' ? await pendingEmail(db, account.id) : undefined;
      return { pendingEmail: live === flow.data.pendingEmail ? live : undefined, devices: await listTrustedDevices(db, account.id) };
    },

    /**
     * The newest completed sign-in, as each account page shows it: when, and the browser and
     * system in broad terms (its audit event's User-Agent); the time alone for one without.
     */
    async lastSignIn(account: Account): Promise<{ at: Date; browser?: string; os?: string } | undefined> {
      const event = await latestAudit(db, account.id, 'sign_in.succeeded');
      if (event) return { at: event.at, ...deviceParts(event.userAgent ?? '') };
      return account.last_sign_in_at ? { at: new Date(account.last_sign_in_at) } : undefined;
    },

    async changeName(account: Account, givenName: string, familyName: string, origin: AuditOrigin): Promise<FieldErrors> {
      const errors: FieldErrors = {};
      const given = checkName(givenName, 'given');
      const family = checkName(familyName, 'family');
      if (given) errors.givenName = given;
      if (family) errors.familyName = family;
      if (!given && !family) await updateName(db, account, givenName, familyName, origin);
      return errors;
    },

    /** Every other session and token ends (setPassword), as with any password change. */
    async changePassword(account: Account, input: NewPassword & { currentPassword: string }, origin: AuditOrigin): Promise<SetPasswordOutcome | { ok: false; field: 'currentPassword'; message: Msg }> {
      if (!(await passwordIs(account, input.currentPassword))) return { ok: false, field: 'currentPassword', message: msg('account.error.password') };
      return setPassword(db, hasher, policy, account, input, { reason: 'change', endSessions: true, origin });
    },

    /**
     * Sends a code to the new address; nothing changes until it is typed back. An address
     * another ID holds is answered alike (no code goes out, and the flow does not move).
     */
    async requestEmailChange(account: Account, flow: SettingsFlow, form: { email: string; confirmEmail: string; currentPassword: string }, origin: AuditOrigin): Promise<EmailChangeOutcome> {
      if (!(await passwordIs(account, form.currentPassword))) return { ok: false, errors: wrongPassword('emailPassword') };
      if (!anEmail.safeParse(form.email).success) return { ok: false, errors: { email: msg('recover.error.email_format') } };
      if (form.email.toLowerCase() !== form.confirmEmail.toLowerCase()) return { ok: false, errors: { confirmEmail: msg('account.error.email_mismatch') } };
      const sent = await startEmailChange(db, account, form.email, policy.second_step.access_code, origin);
      if (!sent.ok) return { ok: false, errors: { email: msg('account.error.email_throttled') }, throttled: true };
      if ('taken' in sent) return { ok: true, flow };
      return { ok: true, flow: (await move(flow, 'email_requested', { pendingEmail: form.email })) ?? flow };
    },

    /** Switches the address once the code sent to it is typed back; false for a wrong or dead code. */
    async confirmEmailChange(account: Account, flow: SettingsFlow, code: string, origin: AuditOrigin): Promise<boolean> {
      if (flow.state !== 'email_pending') return false;
      const check = await confirmEmailChange(db, account, code, origin, policy.code_failures);
      if (!check.ok) return false;
      // A lost race means another request of this browser confirmed it: the address moved either way.
      await move(flow, 'email_confirmed', { pendingEmail: undefined });
      return true;
    },

    async changeQuestions(account: Account, chosen: ChosenQuestion[], currentPassword: string, origin: AuditOrigin): Promise<FieldErrors> {
      if (!(await passwordIs(account, currentPassword))) return wrongPassword('questionsPassword');
      const errors = checkSecurityQuestions(policy.registration.security_questions, chosen);
      if (Object.keys(errors).length) return errors;
      await enrolQuestions(db, hasher, account.id, chosen, origin);
      await notify(db, account, 'questions');
      return {};
    },

    /** `device` is "all" or one device's id; a device of another account is never touched. */
    async forgetDevices(account: Account, device: unknown, origin: AuditOrigin): Promise<number> {
      let count = 0;
      if (device === 'all') count = await forgetDevices(db, account.id);
      else if (typeof device === 'string' && /^\d{1,18}$/.test(device)) count = await forgetDevices(db, account.id, device);
      await recordDevicesForgotten(db, account, count, origin);
      return count;
    },

    async signOutEverywhere(account: Account, origin: AuditOrigin): Promise<void> {
      await endAllSessions(db, account.id);
      await recordAudit(db, { action: 'sessions.ended', actor: `account:${account.id}`, accountId: account.id, ...origin });
    },
  };
}

export type AccountService = ReturnType<typeof accountService>;
