import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { ACCOUNT_CLIENT_ID, accountRedirectUri } from '../../config/account-client.js';
import { hashesEqual } from '../../identity/keyed-hash.js';
import { findAuthorizationCode } from '../../oidc/interactions.js';
import type { FlowDeps } from '../deps.js';
import { hostCookie } from '../../web/cookies.js';
import type { AccountSession } from './account-session.js';
import { isAccountPage, type AccountPageName } from './pages.js';
import { isConsoleReturn, type ConsoleReturn } from '../admin-console/returns.js';
import { isOrgReturn, type OrgReturn } from '../org-admin/returns.js';
import { isInvitationReturn, type InvitationReturn } from '../org-invitation/returns.js';

/** Where a sign-in comes back to: an account page, a console page, an organisation page or an invitation's page. */
export type SignInReturn = AccountPageName | ConsoleReturn | OrgReturn | InvitationReturn;

/*
 * The account pages as a relying party of their own provider: an authorization request with
 * state and PKCE (RFC 7636, S256), and a callback that redeems the code in-process through
 * oidc-provider's AuthorizationCode model rather than over HTTP, so it works behind any proxy.
 */

const pendingCookie = hostCookie('portico_account_login');
const PENDING_TTL_MS = 15 * 60_000;

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * Where to send the browser to sign in (/auth; the SSO session may answer at once, else the
 * sign-in page), with the state and PKCE verifier it must come back with set in a cookie, and
 * the account page (or help-desk console page, or invitation page) to return to (a name from a
 * fixed shape, never an address).
 */
export function accountSignInUrl(ctx: Context, deps: FlowDeps, page: SignInReturn, extra: Record<string, string> = {}): string {
  const state = randomBytes(16).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  pendingCookie.set(ctx, `${state}.${verifier}.${page}`, PENDING_TTL_MS);
  const url = new URL(`${deps.config.issuer}/auth`);
  const params = {
    client_id: ACCOUNT_CLIENT_ID,
    redirect_uri: accountRedirectUri(deps.config.issuer),
    response_type: 'code',
    scope: 'openid',
    state,
    code_challenge: s256(verifier),
    code_challenge_method: 'S256',
    ...extra,
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * Redeems the callback's code once, with the page to return to and the assurance level the
 * sign-in reached (its acr); undefined when anything does not match.
 */
export async function finishAccountSignIn(ctx: Context, deps: FlowDeps): Promise<{ session: AccountSession; page: SignInReturn; acr?: string } | undefined> {
  const [state, verifier, page] = (pendingCookie.get(ctx) ?? '').split('.');
  pendingCookie.clear(ctx);
  const { code, state: returned } = ctx.query;
  if (!state || !verifier || typeof code !== 'string' || typeof returned !== 'string' || !hashesEqual(state, returned)) return undefined;
  const model = await findAuthorizationCode(deps.host, code);
  if (!model || model.consumed || model.isExpired || model.clientId !== ACCOUNT_CLIENT_ID) return undefined;
  if (model.redirectUri !== accountRedirectUri(deps.config.issuer) || !model.codeChallenge || !hashesEqual(model.codeChallenge, s256(verifier))) return undefined;
  await model.consume();
  if (!model.accountId || typeof model.authTime !== 'number' || typeof model.sessionUid !== 'string') return undefined;
  const back = isAccountPage(page) || isConsoleReturn(page) || isOrgReturn(page) || isInvitationReturn(page) ? page : 'overview';
  return { session: { accountId: model.accountId, authTime: model.authTime, sessionUid: model.sessionUid }, page: back, acr: typeof model.acr === 'string' ? model.acr : undefined };
}
