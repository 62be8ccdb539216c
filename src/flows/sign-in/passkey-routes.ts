import type Router from '@koa/router';
import type { Context } from 'koa';
import { msg, type Msg } from '../../i18n/index.js';
import type { PasskeySignIn } from '../../identity/second-step/passkey-sign-in.js';
import { passkeyProblem } from '../../methods/passkey-messages.js';
import { passkeySignInAmr, passkeysListed } from '../../methods/passkey.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { interactionOf } from '../interaction.js';
import { SIGN_IN_FAILURE_FLOOR_MS, startFloor } from '../response-floor.js';
import { interactionUrl, originOf, passkeyAccepted, passkeySignInUrl } from './flow.js';
import { GENERIC_ERROR, renderSignIn } from './routes.js';

/**
 * The words for a refused passkey. An ID that may not sign in (locked, disabled, address not
 * verified) gets the words a wrong password gets: the passkey held, but the page tells nobody
 * holding it more about the ID than the password form would.
 */
function refusal(result: Extract<PasskeySignIn, { ok: false }>): Msg {
  if (result.reason === 'account') return GENERIC_ERROR;
  if (result.reason === 'unknown') return msg('sign_in.passkey_unknown');
  return passkeyProblem(result.reason);
}

/**
 * "Sign in with a passkey" and the username field's autofill post here (public/passkey.js).
 * Every attempt counts against the address; a refused one against the ID its passkey named
 * as well, once the answer was checked (before, no ID is known).
 */
async function submit(ctx: Context, deps: FlowDeps): Promise<void> {
  const details = await interactionOf(ctx, deps);
  if (!passkeysListed(deps)) throw new GoTo(interactionUrl(details.uid));
  await deps.limits.attempt('sign_in', ctx.ip);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const answer = typeof body.response === 'string' ? body.response : '';
  const floor = startFloor(SIGN_IN_FAILURE_FLOOR_MS);
  const result = await deps.identity.passkeys.signIn(details.uid, answer, originOf(ctx, details));
  if (result.ok) return passkeyAccepted(ctx, deps, details, result.account, passkeySignInAmr(result.attachment));
  if (result.accountId) await deps.limits.attemptOnAccount('sign_in', result.accountId);
  // An ID that may not sign in is found by a database read or two more than a bad answer: the same floor for all.
  await floor();
  await renderSignIn(ctx, deps, details, { error: refusal(result) }, 400);
}

export function passkeySignInRoutes(router: Router, deps: FlowDeps): void {
  router.post(passkeySignInUrl(':uid'), (ctx) => submit(ctx, deps));
}
