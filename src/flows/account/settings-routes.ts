import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { confirmEmailChange, notify, recordDevicesForgotten, startEmailChange, updateName } from '../../identity/account-settings.js';
import { recordAudit } from '../../identity/audit.js';
import { setPassword } from '../../identity/recovery/set-password.js';
import { checkName } from '../../identity/registration/rules.js';
import { checkSecurityQuestions } from '../../identity/registration/security-answers.js';
import { enrolQuestions } from '../../identity/second-step/security-questions.js';
import { endAllSessions } from '../../identity/sessions.js';
import { forgetDevices } from '../../identity/trusted-devices.js';
import type { FlowDeps } from '../deps.js';
import { readQuestionPairs } from '../register/form.js';
import { setAccountSession } from './account-session.js';
import { renderAccount } from './page.js';
import { msg, type Text } from '../../i18n/index.js';
import { loadAccountPlace, type AccountPlace } from './place.js';

const text = z.string().max(2000).catch('');
const trimmed = text.transform((v) => v.trim());
const nameForm = z.object({ givenName: trimmed, familyName: trimmed });
const passwordForm = z.object({ currentPassword: text, password: text, confirmPassword: text });
const emailForm = z.object({ email: trimmed, confirmEmail: trimmed, currentPassword: text });
const codeForm = z.object({ code: text.transform((c) => c.replace(/[\s-]/g, '')) });
const anEmail = z.email();

type Handler = (ctx: Context, deps: FlowDeps, place: AccountPlace) => Promise<void>;

async function changeName(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const form = nameForm.parse(ctx.request.body ?? {});
  const errors: Record<string, Text> = {};
  for (const field of ['givenName', 'familyName'] as const) {
    const problem = checkName(form[field], field === 'givenName' ? 'given' : 'family');
    if (problem) errors[field] = problem;
  }
  if (Object.keys(errors).length) return renderAccount(ctx, deps, place, { section: 'name', errors, values: form }, 400);
  await updateName(deps.db, place.account, form.givenName, form.familyName, place.origin);
  ctx.status = 303;
  ctx.redirect('/account');
}

async function changePassword(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const form = passwordForm.parse(ctx.request.body ?? {});
  if (!(await deps.hasher.verify(place.account.password_hash, form.currentPassword))) {
    return renderAccount(ctx, deps, place, { section: 'password', errors: { currentPassword: msg('account.error.password') } }, 400);
  }
  const outcome = await setPassword(deps.db, deps.hasher, deps.config.policy, place.account, form, { reason: 'change', endSessions: true, origin: place.origin });
  if (!outcome.ok) return renderAccount(ctx, deps, place, { section: 'password', errors: { [outcome.field]: outcome.message } }, 400);
  // Everything else was signed out; this page stays, as the person just typed the password.
  setAccountSession(ctx, deps, { ...place.session, authTime: Math.floor(Date.now() / 1000) });
  await renderAccount(ctx, deps, place, { notice: msg('account.notice.password') });
}

async function changeEmail(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const form = emailForm.parse(ctx.request.body ?? {});
  const values = { email: form.email };
  // Whoever holds the address can reset the password: moving it takes the password itself, not
  // only a session someone may have left open (OWASP ASVS 4.0 3.7.1, re-authentication).
  if (!(await deps.hasher.verify(place.account.password_hash, form.currentPassword))) {
    return renderAccount(ctx, deps, place, { section: 'email', errors: { emailPassword: msg('account.error.password') }, values }, 400);
  }
  if (!anEmail.safeParse(form.email).success) return renderAccount(ctx, deps, place, { section: 'email', errors: { email: msg('recover.error.email_format') }, values }, 400);
  if (form.email.toLowerCase() !== form.confirmEmail.toLowerCase()) return renderAccount(ctx, deps, place, { section: 'email', errors: { confirmEmail: msg('account.error.email_mismatch') }, values }, 400);
  const sent = await startEmailChange(deps.db, place.account, form.email, deps.config.policy.second_step.access_code, place.origin);
  if (!sent.ok) return renderAccount(ctx, deps, place, { section: 'email', errors: { email: msg('account.error.email_throttled') }, values }, 429);
  // The same words whether or not the address belongs to another ID.
  await renderAccount(ctx, deps, place, { notice: msg('account.notice.email_code', { email: form.email }) });
}

async function confirmEmail(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const { code } = codeForm.parse(ctx.request.body ?? {});
  const check = await confirmEmailChange(deps.db, place.account, code, place.origin, deps.config.policy.code_failures);
  if (!check.ok) return renderAccount(ctx, deps, place, { section: 'email', errors: { code: msg('account.error.code') } }, 400);
  ctx.status = 303;
  ctx.redirect('/account');
}

async function changeQuestions(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const body = ctx.request.body ?? {};
  const policy = deps.config.policy.registration.security_questions;
  const chosen = readQuestionPairs(body, policy.count);
  const values = Object.fromEntries(chosen.map((q, i) => [`question${i + 1}`, q.questionId]));
  if (!(await deps.hasher.verify(place.account.password_hash, text.parse((body as Record<string, unknown>).currentPassword)))) {
    return renderAccount(ctx, deps, place, { section: 'questions', errors: { questionsPassword: msg('account.error.password') }, values }, 400);
  }
  const errors = checkSecurityQuestions(policy, chosen);
  if (Object.keys(errors).length) return renderAccount(ctx, deps, place, { section: 'questions', errors, values }, 400);
  await enrolQuestions(deps.db, deps.hasher, place.account.id, chosen, place.origin);
  await notify(deps.db, place.account, 'questions');
  await renderAccount(ctx, deps, place, { notice: msg('account.notice.questions') });
}

async function forget(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const device = (ctx.request.body as Record<string, unknown> | undefined)?.device;
  let count = 0;
  if (device === 'all') count = await forgetDevices(deps.db, place.account.id);
  else if (typeof device === 'string' && /^\d{1,18}$/.test(device)) count = await forgetDevices(deps.db, place.account.id, device);
  await recordDevicesForgotten(deps.db, place.account, count, place.origin);
  ctx.status = 303;
  ctx.redirect('/account');
}

async function signOutEverywhere(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  await endAllSessions(deps.db, place.account.id);
  await recordAudit(deps.db, { action: 'sessions.ended', actor: `account:${place.account.id}`, accountId: place.account.id, ...place.origin });
  ctx.status = 303;
  ctx.redirect(`/session/end?client_id=portico-account`);
}

/** The account page's forms; password, email and questions need a recent sign-in. */
export function settingsRoutes(router: Router, deps: FlowDeps): void {
  const routes: Array<[string, Handler, boolean]> = [
    ['/account/name', changeName, false],
    ['/account/password', changePassword, true],
    ['/account/email', changeEmail, true],
    ['/account/email/confirm', confirmEmail, true],
    ['/account/questions', changeQuestions, true],
    ['/account/devices/forget', forget, false],
    ['/account/sign-out-everywhere', signOutEverywhere, false],
  ];
  for (const [path, handler, sensitive] of routes) {
    router.post(path, async (ctx) => {
      const place = await loadAccountPlace(ctx, deps, { post: true, sensitive });
      if (!place) return;
      // The current password and the email code are checked here: no guessing through a session left open.
      if (sensitive) await deps.limits.attempt('codes', ctx.ip, place.account.id);
      await handler(ctx, deps, place);
    });
  }
}
