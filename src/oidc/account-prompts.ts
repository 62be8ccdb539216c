import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.js';
import { findLink } from '../identity/legacy/links.js';
import type { Db } from '../storage/database.js';
import { accountForRequest } from './request-account.js';

const { Check, Prompt } = interactionPolicy;

/*
 * Steps every portal's authorization may need after sign-in, as custom prompts with async
 * checks against the account (docs/architecture.md, interaction pipeline): being signed in to portal A
 * and arriving at portal B runs them too, which is why they are prompts and not sign-in steps.
 * Each check reads the account afresh, so once the step is done it stops asking.
 */

async function signedInAccount(db: Db, ctx: KoaContextWithOIDC) {
  const id = ctx.oidc.account?.accountId;
  return id ? accountForRequest(db, ctx, id) : undefined;
}

/** `terms`: the account has not accepted the current terms version. */
export function termsPrompt(config: Config, db: Db) {
  const { version } = config.policy.registration.terms;
  return new Prompt(
    { name: 'terms', requestable: false },
    new Check('terms_not_accepted', 'The current terms of use are not accepted yet', async (ctx: KoaContextWithOIDC) => {
      const account = await signedInAccount(db, ctx);
      return account && account.terms_version !== version ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
}

/** `new_password`: flagged by an operator, or found not to meet the policy at sign-in. */
export function newPasswordPrompt(db: Db) {
  return new Prompt(
    { name: 'new_password', requestable: false },
    new Check('password_change_required', 'The password must be changed', async (ctx: KoaContextWithOIDC) => {
      const account = await signedInAccount(db, ctx);
      return account?.must_change_password ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
}

/**
 * A password change asked of an SSO session that began before this authorization goes through a
 * fresh sign-in first: whoever sits at a browser left signed in must not set the password without
 * knowing the current one (ASVS 5 6.2.3, NIST SP 800-63B §3.1.1.2). A login check, so the sign-in
 * page (with its lockout and second step) does the asking.
 */
export function freshSignInForPasswordChange(db: Db) {
  return new Check('password_change_needs_sign_in', 'Changing the password needs a fresh sign-in', 'login_required', async (ctx: KoaContextWithOIDC) => {
    if (ctx.oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
    const account = await signedInAccount(db, ctx);
    return account?.must_change_password ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
  });
}

/** `link_legacy`: the portal declares a legacy system and the account has no link to it yet. */
export function linkLegacyPrompt(config: Config, db: Db) {
  return new Prompt(
    { name: 'link_legacy', requestable: false },
    new Check('legacy_link_missing', 'The portal needs the legacy credentials linked once', async (ctx: KoaContextWithOIDC) => {
      const system = config.clients.settings.get(ctx.oidc.client?.clientId ?? '')?.legacyLink?.system;
      const accountId = ctx.oidc.account?.accountId;
      if (!system || !accountId) return Check.NO_NEED_TO_PROMPT;
      return (await findLink(db, accountId, system)) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
}
