import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Msg } from '../../i18n/index.js';
import type { MethodPage, SecondStepMethod } from '../../methods/index.js';
import { sendPage } from '../../web/render.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { againUrl, interactionUrl, setUpAgainDone, signInAt, type SignInPlace } from '../sign-in/flow.js';

/*
 * "Set up your authenticator app again", after a recovery code: the new key is confirmed with
 * a code from the new app (the old one works until then), its recovery codes are shown once,
 * and the sign-in goes on. "Not now" goes on at once, unless the policy requires the method.
 */

/** This sign-in at its set-up-again step, for this method; elsewhere, back to its start. */
async function placeFor(ctx: Context, deps: FlowDeps, method: SecondStepMethod): Promise<SignInPlace> {
  const place = await signInAt(ctx, deps, 'set_up_again');
  if (place.flow.data.setUpAgain !== method.id) throw new GoTo(interactionUrl(place.uid));
  return place;
}

async function render(ctx: Context, deps: FlowDeps, method: SecondStepMethod, place: SignInPlace, errors: Record<string, Msg> = {}, status = 200, shown?: MethodPage): Promise<void> {
  const page = shown ?? (await deps.methods.of(method).againPage(place));
  const mayPutOff = !shown && !(await deps.methods.replacementRequired(place.account, method));
  sendPage(ctx, deps.renderer, page.view, {
    action: againUrl(place.uid, method),
    ...(mayPutOff ? { notNowAction: `${againUrl(place.uid, method)}/not-now` } : {}),
    csrf: deps.csrf.token(`interaction:${place.uid}`),
    values: {},
    errors,
    ...page.data,
  }, status);
}

async function submit(ctx: Context, deps: FlowDeps, method: SecondStepMethod, place: SignInPlace): Promise<void> {
  // The recovery codes' "Continue": the replacement was confirmed by the post before.
  if (place.flow.data.replaced) return setUpAgainDone(ctx, deps, place, 'replaced');
  const outcome = await deps.methods.of(method).again(place, (ctx.request.body ?? {}) as Record<string, unknown>);
  if (!outcome.ok) return render(ctx, deps, method, place, outcome.errors, outcome.status);
  if (!outcome.show) return setUpAgainDone(ctx, deps, place, 'replaced');
  await deps.identity.signIn.note(place.flow, { replaced: true });
  await render(ctx, deps, method, place, {}, 200, outcome.show);
}

async function notNow(ctx: Context, deps: FlowDeps, method: SecondStepMethod, place: SignInPlace): Promise<void> {
  if (place.flow.data.replaced) return setUpAgainDone(ctx, deps, place, 'replaced');
  if (await deps.methods.replacementRequired(place.account, method)) throw new GoTo(againUrl(place.uid, method));
  await setUpAgainDone(ctx, deps, place, 'not_now');
}

/** Each method that can be set up again in a sign-in (its `again`): a page after the second step. */
export function againRoutes(router: Router, deps: FlowDeps): void {
  for (const method of deps.methods.all) {
    if (!method.again) continue;
    const url = `/interaction/:uid/${method.again.path}`;
    router.get(url, async (ctx) => render(ctx, deps, method, await placeFor(ctx, deps, method)));
    router.post(url, async (ctx) => submit(ctx, deps, method, await placeFor(ctx, deps, method)));
    router.post(`${url}/not-now`, async (ctx) => notNow(ctx, deps, method, await placeFor(ctx, deps, method)));
  }
}
