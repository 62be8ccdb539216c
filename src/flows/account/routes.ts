import type Router from '@koa/router';
import type { Context } from 'koa';
import { ACCOUNT_CLIENT_ID } from '../../config/account-client.js';
import { PageError } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { requireForm } from '../interaction.js';
import { clearAccountSession, readAccountSession, setAccountSession } from './account-session.js';
import { finishAccountSignIn } from './account-sign-in.js';
import { ACCOUNT_PAGES, renderAccountPage, type AccountPageName } from './page.js';
import { accountBinding, loadAccountPlace } from './place.js';
import { msg } from '../../i18n/index.js';
import { settingsRoutes } from './settings-routes.js';
import { authenticatorAppRoutes } from './authenticator-app-routes.js';
import { passkeyRoutes } from './passkey-routes.js';
import { phoneRoutes } from './phone-routes.js';
import { consoleSignedIn } from '../admin-console/place.js';
import { isConsoleReturn } from '../admin-console/returns.js';
import { isOrgReturn, orgPath } from '../org-admin/returns.js';
import { invitationPath, isInvitationReturn } from '../org-invitation/returns.js';
import { isAccountPage } from './pages.js';

/** An account page, for whoever signed in; everyone else is sent to sign in first, and comes back to it. */
async function showAccount(ctx: Context, deps: FlowDeps, name: AccountPageName): Promise<void> {
  await renderAccountPage(ctx, deps, await loadAccountPlace(ctx, deps), name);
}

/** The page's sign-in came back: a new settings flow, or the one that sent it to sign in again. */
async function callback(ctx: Context, deps: FlowDeps): Promise<void> {
  // The person chose "Cancel" on the sign-in page (RFC 6749 §4.1.2.1 access_denied).
  if (typeof ctx.query.error === 'string') throw new PageError(400, msg('account.error.not_signed_in_title'), msg('account.error.not_signed_in'));
  const previous = readAccountSession(ctx, deps);
  const { session, page, acr } = (await finishAccountSignIn(ctx, deps)) ?? {};
  if (!session) throw new PageError(400, msg('account.error.expired_title'), msg('account.error.expired'));
  // The help-desk console signs in through the same client and comes back here (admin-console/place.ts).
  if (isConsoleReturn(page)) return consoleSignedIn(ctx, deps, session, acr, page);
  const flowId = await deps.identity.account.signedIn(previous?.flowId, session.accountId);
  setAccountSession(ctx, deps, { ...session, flowId });
  ctx.status = 303;
  ctx.redirect(isOrgReturn(page) ? orgPath(page) : isInvitationReturn(page) ? invitationPath(page) : ACCOUNT_PAGES[isAccountPage(page) ? page : 'overview'].path);
}

/** Ends the account pages' session, then Portico's own (oidc-provider's end_session page). */
async function signOut(ctx: Context, deps: FlowDeps): Promise<void> {
  const session = readAccountSession(ctx, deps);
  if (session) requireForm(ctx, deps, accountBinding(session.accountId), msg('standalone.csrf.body'));
  await deps.identity.account.signedOut(session?.flowId);
  clearAccountSession(ctx);
  ctx.status = 303;
  ctx.redirect(`/session/end?client_id=${ACCOUNT_CLIENT_ID}`);
}

export function accountRoutes(router: Router, deps: FlowDeps): void {
  for (const name of Object.keys(ACCOUNT_PAGES) as AccountPageName[]) router.get(ACCOUNT_PAGES[name].path, (ctx) => showAccount(ctx, deps, name));
  router.get('/account/callback', (ctx) => callback(ctx, deps));
  router.post('/account/sign-out', (ctx) => signOut(ctx, deps));
  settingsRoutes(router, deps);
  authenticatorAppRoutes(router, deps);
  passkeyRoutes(router, deps);
  phoneRoutes(router, deps);
}
