import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.js';
import type { Db } from '../storage/database.js';
import { freshSignInForPasswordChange, linkLegacyPrompt, newPasswordPrompt, termsPrompt } from './account-prompts.js';
import { sessionFallsShort } from './acr-demand.js';

const { Check } = interactionPolicy;

/**
 * The interaction pipeline of docs/architecture.md: `login`, then Portico's custom prompts (added by the
 * flows that need them), then `consent`. oidc-provider's base policy supplies login and consent;
 * login gains a check that sends a session weaker than the portal's demanded acr back through
 * sign-in to step up (docs/README.md "interactions.policy").
 */
export function buildInteractionPolicy(config: Config, db: Db) {
  const policy = interactionPolicy.base();
  // These login checks answer prompt=none with login_required (OIDC Core §3.1.2.6): only a sign-in helps.
  // findAccount refused the session's account (disabled, or signed out everywhere since).
  policy.get('login')!.checks.add(
    new Check('account_unavailable', 'The session no longer stands', 'login_required', (ctx: KoaContextWithOIDC) =>
      ctx.oidc.session?.accountId && !ctx.oidc.account && !ctx.oidc.result?.login ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  // The absolute SSO lifetime (policy sso_session, sso-session.ts), exact to the second.
  const lifetime = config.policy.sso_session.absolute_lifetime_hours * 3600;
  policy.get('login')!.checks.add(
    new Check('session_expired', 'The sign-in is older than the session may last', 'login_required', (ctx: KoaContextWithOIDC) => {
      const loginTs = ctx.oidc.session?.loginTs;
      return typeof loginTs === 'number' && !ctx.oidc.result?.login && loginTs + lifetime <= Date.now() / 1000 ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  // prompt=none: login_required too, as only a sign-in reaching the level helps.
  policy.get('login')!.checks.add(
    new Check('acr_not_met', 'The portal requires a stronger sign-in', 'login_required', (ctx: KoaContextWithOIDC) =>
      sessionFallsShort(config, ctx) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  policy.get('login')!.checks.add(freshSignInForPasswordChange(db));
  // Between login and consent, in docs/architecture.md's order.
  const consentAt = policy.findIndex((p) => p.name === 'consent');
  policy.add(termsPrompt(config, db), consentAt);
  policy.add(newPasswordPrompt(db), consentAt + 1);
  policy.add(linkLegacyPrompt(config, db), consentAt + 2);
  return policy;
}
