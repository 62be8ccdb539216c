import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { typedCodeField } from '../../identity/typed-code.js';
import type { FlowDeps } from '../deps.js';
import { readQuestionPairs } from '../register/form.js';
import { setAccountSession } from './account-session.js';
import { backTo, renderAccountPage, type AccountMessages, type AccountPageName } from './page.js';
import { msg } from '../../i18n/index.js';
import { loadAccountPlace, type AccountPlace } from './place.js';

const text = z.string().max(2000).catch('');
const trimmed = text.transform((v) => v.trim());
const nameForm = z.object({ givenName: trimmed, familyName: trimmed });
const passwordForm = z.object({ currentPassword: text, password: text, confirmPassword: text });
const emailForm = z.object({ email: trimmed, confirmEmail: trimmed, currentPassword: text });
const codeForm = z.object({ code: typedCodeField });
const organizationForm = z.object({ taxId: trimmed, legalName: trimmed, address: trimmed, phone: trimmed });

type Handler = (ctx: Context, deps: FlowDeps, place: AccountPlace) => Promise<void>;

/** The form's page again, with what went wrong beside its fields. */
const refuse = (ctx: Context, deps: FlowDeps, place: AccountPlace, page: AccountPageName, messages: AccountMessages, status = 400) =>
  renderAccountPage(ctx, deps, place, page, messages, status);

async function changeName(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const form = nameForm.parse(ctx.request.body ?? {});
  const errors = await deps.identity.account.changeName(place.account, form.givenName, form.familyName, place.origin);
  if (Object.keys(errors).length) return refuse(ctx, deps, place, 'profile', { errors, values: form });
  backTo(ctx, deps, place, 'profile', 'account.notice.name');
}

async function changePassword(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const form = passwordForm.parse(ctx.request.body ?? {});
  const outcome = await deps.identity.account.changePassword(place.account, form, place.origin);
  if (!outcome.ok) return refuse(ctx, deps, place, 'password', { errors: { [outcome.field]: outcome.message } });
  // Everything else was signed out; this page stays, as the person just typed the password.
  setAccountSession(ctx, deps, { ...place.session, authTime: Math.floor(Date.now() / 1000) });
  backTo(ctx, deps, place, 'password', 'account.notice.password');
}

async function changeEmail(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const form = emailForm.parse(ctx.request.body ?? {});
  const outcome = await deps.identity.account.requestEmailChange(place.account, place.flow, form, place.origin);
  if (!outcome.ok) return refuse(ctx, deps, place, 'email', { errors: outcome.errors, values: { email: form.email } }, outcome.throttled ? 429 : 400);
  // The same words whether or not the address belongs to another ID.
  backTo(ctx, deps, place, 'email', 'account.notice.email_code', { email: form.email });
}

async function confirmEmail(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const { code } = codeForm.parse(ctx.request.body ?? {});
  if (!(await deps.identity.account.confirmEmailChange(place.account, place.flow, code, place.origin))) {
    return refuse(ctx, deps, place, 'email', { errors: { code: msg('account.error.code') } });
  }
  backTo(ctx, deps, place, 'email', 'account.notice.email_changed');
}

async function changeQuestions(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const body = ctx.request.body ?? {};
  const chosen = readQuestionPairs(body, deps.config.policy.registration.security_questions.count);
  const values = Object.fromEntries(chosen.map((q, i) => [`question${i + 1}`, q.questionId]));
  const errors = await deps.identity.account.changeQuestions(place.account, chosen, text.parse((body as Record<string, unknown>).currentPassword), place.origin);
  if (Object.keys(errors).length) return refuse(ctx, deps, place, 'security', { errors, values });
  backTo(ctx, deps, place, 'security', 'account.notice.questions');
}

async function forget(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const device = (ctx.request.body as Record<string, unknown> | undefined)?.device;
  const count = await deps.identity.account.forgetDevices(place.account, device, place.origin);
  const notice = count === 0 ? undefined : device === 'all' ? 'account.notice.devices_forgotten' : 'account.notice.device_forgotten';
  backTo(ctx, deps, place, 'security', notice);
}

/** Every other session and token ends; this page stays, as after a password change. */
async function signOutEverywhere(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  await deps.identity.account.signOutEverywhere(place.account, place.origin);
  setAccountSession(ctx, deps, { ...place.session, authTime: Math.floor(Date.now() / 1000) });
  backTo(ctx, deps, place, 'sessions', 'account.notice.signed_out_elsewhere');
}

/** A request to register or join an organisation; the Tax ID is never typed back into the page. */
async function requestOrganization(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const form = organizationForm.parse(ctx.request.body ?? {});
  const outcome = await deps.identity.organizations.request(place.account, form, place.origin);
  const values = { legalName: form.legalName, address: form.address, phone: form.phone };
  if (!outcome.ok && outcome.reason === 'invalid') return refuse(ctx, deps, place, 'organizations', { errors: outcome.errors, values });
  if (!outcome.ok) return refuse(ctx, deps, place, 'organizations', { errors: { taxId: msg('org.request.limited') }, values }, 429);
  if (outcome.kind === 'member') return refuse(ctx, deps, place, 'organizations', { errors: { taxId: msg('org.request.member') }, values });
  backTo(ctx, deps, place, 'organizations', 'account.notice.org_requested');
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
    ['/account/organizations', requestOrganization, false],
  ];
  for (const [path, handler, sensitive] of routes) {
    router.post(path, async (ctx) => {
      const place = await loadAccountPlace(ctx, deps, { post: true, sensitive });
      // The current password and the email code are checked here: no guessing through a session left open.
      if (sensitive) await deps.limits.attempt('codes', ctx.ip, place.account.id);
      await handler(ctx, deps, place);
    });
  }
}
