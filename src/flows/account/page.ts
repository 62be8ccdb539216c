import type { Context } from 'koa';
import { msg, type Msg, type Text } from '../../i18n/index.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { passwordHints } from '../register/rule-hints.js';
import { setFlash, takeFlash, type AccountNotice } from './flash.js';
import { accountBinding, type AccountPlace } from './place.js';
import { ACCOUNT_PAGES, type AccountPageName } from './pages.js';
import { securitySections } from './security-sections.js';

export { ACCOUNT_PAGES, type AccountPageName };

export interface AccountMessages {
  notice?: Text;
  errors?: Record<string, Text>;
  values?: Record<string, string>;
}

/** "Chrome on Linux", worded in the page's language; undefined when the User-Agent said nothing useful. */
function deviceWords(browser?: string, os?: string): Msg | undefined {
  if (!browser && !os) return undefined;
  const system = os ?? msg('account.device.unknown_system');
  return browser ? msg('account.device.browser_on', { browser, system }) : msg('account.device.some_browser_on', { system });
}

/** What one page shows besides the common parts (notice, last sign-in, csrf). */
async function pageData(deps: FlowDeps, place: AccountPlace, name: AccountPageName): Promise<Record<string, unknown>> {
  const { account } = place;
  switch (name) {
    case 'overview':
    case 'email': {
      const { pendingEmail } = await deps.identity.account.view(account, place.flow);
      const names = { givenName: account.given_name, familyName: account.family_name, username: account.username };
      // Only the types that act for an organisation see its page in the overview.
      const needsOrganization = deps.config.policy.account_types.some((t) => t.id === account.account_type && t.needs_organization);
      return { ...names, email: account.email, emailVerified: account.email_verified_at !== null, pendingEmail, needsOrganization };
    }
    case 'profile':
      return { givenName: account.given_name, familyName: account.family_name };
    case 'password':
      return { passwordHints: passwordHints(deps.config.policy.password) };
    case 'security':
      return { sections: await securitySections(deps, place) };
    case 'sessions':
      return {};
    case 'organizations':
      return { organizations: await deps.identity.organizations.of(account.id), requests: await deps.identity.organizations.pendingOf(account.id) };
  }
}

/** One account page, with what went wrong beside its fields, or the message a redirect left for it. */
export async function renderAccountPage(ctx: Context, deps: FlowDeps, place: AccountPlace, name: AccountPageName, messages: AccountMessages = {}, status = 200): Promise<void> {
  const { account } = place;
  const last = await deps.identity.account.lastSignIn(account);
  sendPage(ctx, deps.renderer, ACCOUNT_PAGES[name].view, {
    ...(await pageData(deps, place, name)),
    overview: name === 'overview',
    csrf: deps.csrf.token(accountBinding(account.id)),
    lastSignIn: last && { at: last.at, device: deviceWords(last.browser, last.os) },
    notice: messages.notice ?? takeFlash(ctx, deps, account.id),
    errors: messages.errors ?? {},
    values: messages.values ?? {},
    returnTo: ACCOUNT_PAGES[name].path,
  }, status);
}

/** After a saved change: back to the page the form lives on, which says what was saved. */
export function backTo(ctx: Context, deps: FlowDeps, place: AccountPlace, name: AccountPageName, notice?: AccountNotice, vars?: Record<string, string>): void {
  if (notice) setFlash(ctx, deps, place.account.id, notice, vars);
  ctx.status = 303;
  ctx.redirect(ACCOUNT_PAGES[name].path);
}
