import type { Context } from 'koa';
import { predatesEpoch } from '../../identity/sessions.js';
import { findAccountById, type Account } from '../../identity/accounts.js';
import type { FlowDeps } from '../deps.js';
import { checkStandalonePost } from '../standalone-form.js';
import { providerSessionAccount } from '../../oidc/session-check.js';
import { clearAccountSession, readAccountSession, type AccountSession } from './account-session.js';
import { startAccountSignIn } from './account-sign-in.js';

export interface AccountPlace {
  session: AccountSession;
  account: Account;
  origin: { ip: string; userAgent: string; clientId: string };
}

export const accountBinding = (accountId: string) => `account:${accountId}`;

/** The provider session the page was signed in through still lives, with the same person in it. */
async function sameProviderSession(deps: FlowDeps, session: AccountSession): Promise<boolean> {
  return (await providerSessionAccount(deps.host, session.sessionUid)) === session.accountId;
}

/**
 * Who is on the account page. Not signed in, disabled, signed out everywhere since, or signed
 * out of the provider session (through any portal): sign in first. `sensitive` changes also need a sign-in within the policy's recent_auth_minutes, or
 * the person types the password again (prompt=login) and comes back to the page.
 */
export async function loadAccountPlace(ctx: Context, deps: FlowDeps, options: { post?: boolean; sensitive?: boolean } = {}): Promise<AccountPlace | undefined> {
  const session = readAccountSession(ctx, deps);
  const account = session && (await findAccountById(deps.db, session.accountId));
  if (!session || !account || account.status !== 'active' || predatesEpoch(account.sessions_valid_after, session.authTime) || !(await sameProviderSession(deps, session))) {
    clearAccountSession(ctx);
    startAccountSignIn(ctx, deps);
    return undefined;
  }
  if (options.post && !checkStandalonePost(ctx, deps, accountBinding(account.id))) return undefined;
  const maxAgeSeconds = deps.config.policy.sessions.recent_auth_minutes * 60;
  if (options.sensitive && Date.now() / 1000 - session.authTime > maxAgeSeconds) {
    startAccountSignIn(ctx, deps, { prompt: 'login' });
    return undefined;
  }
  return { session, account, origin: { ip: ctx.ip, userAgent: ctx.get('user-agent'), clientId: 'portico-account' } };
}
