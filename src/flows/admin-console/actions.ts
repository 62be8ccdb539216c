import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { msg, type Msg } from '../../i18n/index.js';
import { InvalidCursor } from '../../identity/cursor.js';
import { isOperatorAction, OPERATOR_ACTIONS, type AccountReport, type OperatorAction } from '../../identity/account-admin.js';
import type { StaffRole } from '../../identity/staff.js';
import { PageError } from '../../web/page-errors.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { loadStaffPlace, type StaffPlace } from './place.js';

/*
 * The help desk's actions on one ID: the admin API's own (account-admin.ts OPERATOR_ACTIONS,
 * and set_type), each behind a confirmation page. GET asks "are you sure"; POST does it, with
 * a required reason that goes into the audit event. Both need a sign-in at most ten minutes
 * old, and staff may act only on the IDs staff.ts mayActOn allows. Deleting the ID is for
 * operators only, and its confirmation also asks for the ID's username typed out.
 */

export type ConsoleAction = OperatorAction | 'set_type' | 'delete';

/** Every action, in the order the user page lists them. */
export const CONSOLE_ACTIONS: readonly ConsoleAction[] = [...OPERATOR_ACTIONS, 'set_type', 'delete'];

/** Whether staff holding these roles may run the action (deletion cannot be undone: operators only). */
export const roleMayRun = (roles: readonly StaffRole[], action: ConsoleAction) => action !== 'delete' || roles.includes('operator');

/** In the address: set_type is /set-type. */
export const actionSlug = (action: ConsoleAction) => action.replace(/_/g, '-');
const actionOfSlug = (slug: unknown): ConsoleAction | undefined => {
  const action = typeof slug === 'string' ? slug.replace(/-/g, '_') : undefined;
  return action === 'set_type' || action === 'delete' || isOperatorAction(action) ? action : undefined;
};

export const REASON_MAX = 500;

/** Each action's button (on the user page and its confirmation) and what its confirmation explains. */
export const ACTION_WORDS: Record<ConsoleAction, { label: string; help: string }> = {
  unlock: { label: 'console.unlock', help: 'console.unlock_help' },
  enable: { label: 'console.action.enable', help: 'console.help.enable' },
  disable: { label: 'console.action.disable', help: 'console.help.disable' },
  end_sessions: { label: 'console.action.end_sessions', help: 'console.help.end_sessions' },
  require_password_change: { label: 'console.action.require_password_change', help: 'console.help.require_password_change' },
  forget_devices: { label: 'console.action.forget_devices', help: 'console.help.forget_devices' },
  reset_security_questions: { label: 'console.action.reset_security_questions', help: 'console.help.reset_security_questions' },
  reset_authenticator_app: { label: 'console.action.reset_authenticator_app', help: 'console.help.reset_authenticator_app' },
  reset_passkeys: { label: 'console.action.reset_passkeys', help: 'console.help.reset_passkeys' },
  reset_phone: { label: 'console.action.reset_phone', help: 'console.help.reset_phone' },
  set_type: { label: 'console.action.set_type', help: 'console.help.set_type' },
  delete: { label: 'console.action.delete', help: 'console.help.delete' },
};

/**
 * What the user page says after an action, by the `done` the action's answer names: unlock
 * keeps its own words for "nothing to unlock", every other action one sentence for "nothing
 * changed".
 */
export const NOTICES: Readonly<Record<string, string>> = {
  unlocked: 'console.notice.unlocked',
  not_locked: 'console.notice.not_locked',
  enable: 'console.notice.enable',
  disable: 'console.notice.disable',
  end_sessions: 'console.notice.end_sessions',
  require_password_change: 'console.notice.require_password_change',
  forget_devices: 'console.notice.forget_devices',
  reset_security_questions: 'console.notice.reset_security_questions',
  reset_authenticator_app: 'console.notice.reset_authenticator_app',
  reset_passkeys: 'console.notice.reset_passkeys',
  reset_phone: 'console.notice.reset_phone',
  set_type: 'console.notice.set_type',
  deleted: 'console.notice.deleted',
  unchanged: 'console.notice.unchanged',
};

const noticeOf = (action: ConsoleAction, changed: boolean) => (action === 'unlock' ? (changed ? 'unlocked' : 'not_locked') : changed ? action : 'unchanged');

const idParam = z.string().uuid();
const form = z.object({ reason: z.string().optional(), type: z.string().optional(), username: z.string().optional() });

/** A page of results whose cursor this console did not hand out. */
export function badCursor(error: unknown): never {
  if (error instanceof InvalidCursor) throw new PageError(400, msg('error.bad_request_title'), msg('console.error.bad_cursor'));
  throw error;
}

export const noSuchUser = () => new PageError(404, msg('error.not_found_title'), msg('error.not_found'));
const staffTarget = () => new PageError(403, msg('console.error.forbidden_title'), msg('console.error.staff_target'));
const operatorsOnly = () => new PageError(403, msg('console.error.forbidden_title'), msg('console.error.operators_only'));

interface Target {
  place: StaffPlace;
  user: AccountReport;
  action: ConsoleAction;
}

/** The staff member, the ID and the action of this address, each checked; 404 for an unknown one, 403 for an ID out of reach. */
async function target(ctx: Context, deps: FlowDeps, post: boolean): Promise<Target> {
  const place = await loadStaffPlace(ctx, deps, { post, fresh: true });
  const id = idParam.safeParse(ctx.params.id);
  const action = actionOfSlug(ctx.params.action);
  const user = id.success && action ? await deps.identity.admin.describe(id.data) : undefined;
  if (!user || !action) throw noSuchUser();
  if (!roleMayRun(place.roles, action)) throw operatorsOnly();
  if (!(await deps.identity.admin.staffMayActOn(place.session.accountId, user.id))) throw staffTarget();
  return { place, user, action };
}

type Fields = 'reason' | 'type' | 'username';

function confirmPage(ctx: Context, deps: FlowDeps, { place, user, action }: Target, values: Partial<Record<Fields, string>>, errors: Partial<Record<Fields, Msg>> = {}): void {
  const status = Object.keys(errors).length > 0 ? 400 : 200;
  sendPage(ctx, deps.renderer, 'console-confirm', { csrf: place.csrf, user, action, slug: actionSlug(action), words: ACTION_WORDS[action], reasonMax: REASON_MAX, types: deps.identity.admin.accountTypes(), values, errors }, status);
}

async function confirm(ctx: Context, deps: FlowDeps): Promise<void> {
  const found = await target(ctx, deps, false);
  confirmPage(ctx, deps, found, { type: found.user.accountType });
}

/** The reason's fault, if any: required, and at most REASON_MAX characters. */
export function reasonError(reason: string): Msg | undefined {
  if (reason === '') return msg('console.reason_required');
  if (reason.length > REASON_MAX) return msg('console.reason_too_long', { max: REASON_MAX });
  return undefined;
}

async function perform(ctx: Context, deps: FlowDeps): Promise<void> {
  const found = await target(ctx, deps, true);
  const posted = form.safeParse(ctx.request.body ?? {});
  const reason = (posted.success ? posted.data.reason ?? '' : '').trim();
  const type = posted.success ? posted.data.type : undefined;
  const username = (posted.success ? posted.data.username ?? '' : '').trim();
  const types = deps.identity.admin.accountTypes();
  const errors = {
    ...(reasonError(reason) ? { reason: reasonError(reason) } : {}),
    ...(found.action === 'set_type' && !types.includes(type ?? '') ? { type: msg('console.type_unknown') } : {}),
    ...(found.action === 'delete' && username !== found.user.username ? { username: msg('console.username_mismatch') } : {}),
  };
  if (Object.keys(errors).length > 0) return confirmPage(ctx, deps, found, { reason, type, username }, errors);

  const staff = { staffAccount: found.place.session.accountId, reason };
  if (found.action === 'delete') {
    if (!(await deps.identity.admin.erase(found.user.id, staff))) throw noSuchUser();
    ctx.status = 303;
    return ctx.redirect('/admin/users?done=deleted');
  }
  const outcome = found.action === 'set_type' ? await deps.identity.admin.setType(found.user.id, type!, staff) : await deps.identity.admin.act(found.user.id, found.action, staff);
  // Undeclared types were refused above; no outcome: the ID went meanwhile.
  if (!outcome || !('changed' in outcome)) throw noSuchUser();
  ctx.status = 303;
  ctx.redirect(`/admin/users/${found.user.id}?done=${noticeOf(found.action, outcome.changed)}`);
}

export function consoleActionRoutes(router: Router, deps: FlowDeps): void {
  router.get('/admin/users/:id/:action', (ctx) => confirm(ctx, deps));
  router.post('/admin/users/:id/:action', (ctx) => perform(ctx, deps));
}
