import type { Context } from 'koa';
import { predatesEpoch } from '../../identity/sessions.js';
import type { Account } from '../../identity/accounts.js';
import type { SettingsFlow } from '../../identity/flows/settings.js';
import { msg } from '../../i18n/index.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { requireForm } from '../interaction.js';
import { providerSessionAccount } from '../../oidc/session-check.js';
import { clearAccountSession, readAccountSession, setAccountSession, type AccountSession } from './account-session.js';
import { accountSignInUrl, type SignInReturn } from './account-sign-in.js';
import { pageOf } from './pages.js';

export interface AccountPlace {
  session: AccountSession;
  account: Account;
  /** This browser's settings flow (identity/flows/settings.md). */
  flow: SettingsFlow;
  origin: { ip: string; userAgent: string; clientId: string };
}

export const accountBinding = (accountId: string) => `account:${accountId}`;

/** The provider session the page was signed in through still lives, with the same person in it. */
async function sameProviderSession(deps: FlowDeps, session: AccountSession): Promise<boolean> {
  return (await providerSessionAccount(deps.host, session.sessionUid)) === session.accountId;
}

/**
 * The account pages' session and its ID, while all still hold: the ID active, not signed out
 * everywhere since, and the provider session alive with the same person. Otherwise the cookie
 * goes and the answer is undefined (other pages, such as an invitation's, ask without sending
 * anyone to sign in).
 */
export async function accountSignedIn(ctx: Context, deps: FlowDeps): Promise<{ cookie: AccountSession & { expiresAt: number }; account: Account } | undefined> {
  const cookie = readAccountSession(ctx, deps);
  const account = cookie && (await deps.identity.account.account(cookie.accountId));
  if (cookie && account && account.status === 'active' && !predatesEpoch(account.sessions_valid_after, cookie.authTime) && (await sameProviderSession(deps, cookie))) return { cookie, account };
  clearAccountSession(ctx);
  return undefined;
}

/**
 * Who is on the account page. Not signed in, disabled, signed out everywhere since, or signed
 * out of the provider session (through any portal): sign in first. `sensitive` changes also
 * need a sign-in within the policy's recent_auth_minutes: the settings flow waits while the
 * person types the password again (prompt=login) and comes back to the page the form is on
 * (`back`, when that is not an account page).
 */
export async function loadAccountPlace(ctx: Context, deps: FlowDeps, options: { post?: boolean; sensitive?: boolean; back?: SignInReturn } = {}): Promise<AccountPlace> {
  const back = options.back ?? pageOf(ctx.path);
  const { account: service } = deps.identity;
  const signedIn = await accountSignedIn(ctx, deps);
  if (!signedIn) throw new GoTo(accountSignInUrl(ctx, deps, back));
  const { cookie, account } = signedIn;
  if (options.post) requireForm(ctx, deps, accountBinding(account.id), msg('standalone.csrf.body'));
  const { expiresAt, ...session } = cookie;
  const { id, flow } = await service.settings(session.flowId, account.id);
  if (id !== session.flowId) {
    session.flowId = id;
    setAccountSession(ctx, deps, session, expiresAt);
  }
  if (options.sensitive && service.owesSignIn(flow, session.authTime)) {
    await service.reauthRequired(flow);
    throw new GoTo(accountSignInUrl(ctx, deps, back, { prompt: 'login' }));
  }
  return { session, account, flow, origin: { ip: ctx.ip, userAgent: ctx.get('user-agent'), clientId: 'portico-account' } };
}
