import type { Context } from 'koa';
import type { SecondStepMethod, StepMessages } from '../../methods/index.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { portalAbortUrl } from '../interaction.js';
import { methodUrl, type SignInPlace } from '../sign-in/flow.js';

/**
 * The second-step page of one method (its view and data), with the form's action, one
 * `<name>Action` URL per method action, and links to the other methods the account may use.
 * `after`: the page answers a POST on this method.
 */
export async function renderStep(ctx: Context, deps: FlowDeps, place: SignInPlace, method: SecondStepMethod, offered: SecondStepMethod[], messages: StepMessages = {}, status = 200, after?: 'post'): Promise<void> {
  const { uid } = place;
  const base = methodUrl(uid, method);
  const page = await deps.methods.of(method).render(place, after);
  const actions = Object.fromEntries(Object.keys(method.actions ?? {}).map((name) => [`${name}Action`, `${base}/${name}`]));
  sendPage(ctx, deps.renderer, page.view, {
    action: base,
    ...actions,
    abortUrl: portalAbortUrl(place.details),
    csrf: deps.csrf.token(`interaction:${uid}`),
    others: offered.filter((m) => m !== method).map((m) => ({ url: methodUrl(uid, m), label: m.offerLabel })),
    ...page.data,
    ...messages,
  }, status);
}
