import type { Context } from 'koa';
import { msg } from '../../i18n/index.js';
import { ACR, meetsAcr } from '../../identity/second-step/assurance.js';
import { predatesEpoch } from '../../identity/sessions.js';
import type { StaffRole } from '../../identity/staff.js';
import { providerSessionAccount } from '../../oidc/session-check.js';
import { GoTo, PageError } from '../../web/page-errors.js';
import { accountSignInUrl } from '../account/account-sign-in.js';
import type { FlowDeps } from '../deps.js';
import { requireForm } from '../interaction.js';
import { signedSession, type SignedIn } from '../signed-session.js';
import { consolePath, consoleReturnOf, type ConsoleReturn } from './returns.js';

/*
 * The help-desk console's own session, beside the account pages' (a cookie of its own, so an
 * account-page sign-in without the second step never opens it). It is signed in through the
 * account pages' client with acr_values demanding the second-step level, and lets in only IDs
 * with a staff role, checked again on every request (a revoked role ends it at once).
 */
const cookie = signedSession<SignedIn>('portico_console', 'console-session', () => ({}));
const SESSION_TTL_MS = 30 * 60_000;
/** A help-desk action needs a sign-in at most this old (seconds). */
export const FRESH_SIGN_IN_SECONDS = 10 * 60;

export interface StaffPlace {
  session: SignedIn;
  roles: StaffRole[];
  csrf: string;
}

const binding = (accountId: string) => `console:${accountId}`;

/** Sends the browser through the sign-in, demanding the second step, back to `back`. */
function signIn(ctx: Context, deps: FlowDeps, back: ConsoleReturn, again = false): GoTo {
  return new GoTo(accountSignInUrl(ctx, deps, back, { acr_values: ACR.secondStep, ...(again ? { prompt: 'login' } : {}) }));
}

const notStaff = () => new PageError(403, msg('console.error.forbidden_title'), msg('console.error.forbidden'));

/** Whether the ID may use the console now: active, with a staff role; its roles, else none. */
async function staffRoles(deps: FlowDeps, accountId: string): Promise<StaffRole[]> {
  const account = await deps.identity.account.account(accountId);
  if (!account || account.status !== 'active') return [];
  return deps.identity.admin.staffRoles(accountId);
}

/** The account callback handed over a console sign-in: in with a staff role and the second step, else 403. */
export async function consoleSignedIn(ctx: Context, deps: FlowDeps, session: SignedIn, acr: string | undefined, back: ConsoleReturn): Promise<void> {
  if (!meetsAcr(acr, ACR.secondStep) || (await staffRoles(deps, session.accountId)).length === 0) {
    cookie.clear(ctx);
    throw notStaff();
  }
  cookie.set(ctx, deps, session, Date.now() + SESSION_TTL_MS);
  ctx.status = 303;
  ctx.redirect(consolePath(back));
}

/**
 * The staff member on a console page. Not signed in, disabled, signed out since (everywhere, or
 * of the provider session): sign in first. A role taken away: 403. `post` checks the form's
 * token; `fresh` also needs a sign-in within FRESH_SIGN_IN_SECONDS, else a new one.
 */
export async function loadStaffPlace(ctx: Context, deps: FlowDeps, options: { post?: boolean; fresh?: boolean } = {}): Promise<StaffPlace> {
  const session = cookie.read(ctx, deps);
  const back = consoleReturnOf(ctx.path);
  const account = session && (await deps.identity.account.account(session.accountId));
  if (!session || !account || predatesEpoch(account.sessions_valid_after, session.authTime) || (await providerSessionAccount(deps.host, session.sessionUid)) !== session.accountId) {
    cookie.clear(ctx);
    throw signIn(ctx, deps, back);
  }
  const roles = await staffRoles(deps, account.id);
  if (roles.length === 0) throw notStaff();
  if (options.post) requireForm(ctx, deps, binding(account.id), msg('standalone.csrf.body'));
  if (options.fresh && Date.now() / 1000 - session.authTime > FRESH_SIGN_IN_SECONDS) throw signIn(ctx, deps, back, true);
  return { session: { accountId: session.accountId, authTime: session.authTime, sessionUid: session.sessionUid }, roles, csrf: deps.csrf.token(binding(account.id)) };
}

/** Ends the console's session (the provider's stays: the person may still be on the account page). */
export function clearConsoleSession(ctx: Context): void {
  cookie.clear(ctx);
}
