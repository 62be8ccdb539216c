import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Msg } from '../../i18n/index.js';
import type { MethodPage, SecondStepMethod } from '../../methods/index.js';
import { sendPage } from '../../web/render.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { enrolled, enrolUrl, interactionUrl, signInAt, type SignInPlace } from '../sign-in/flow.js';

/** This sign-in at its enrol step, for the method it must set up; elsewhere, back to its start. */
async function placeFor(ctx: Context, deps: FlowDeps, method: SecondStepMethod): Promise<SignInPlace> {
  const place = await signInAt(ctx, deps, 'enrol');
  if (place.flow.data.mustEnrol !== method.id) throw new GoTo(interactionUrl(place.uid));
  return place;
}

async function render(ctx: Context, deps: FlowDeps, method: SecondStepMethod, place: SignInPlace, state: { values?: Record<string, string>; errors?: Record<string, Msg> } = {}, status = 200, shown?: MethodPage): Promise<void> {
  const page = shown ?? (await deps.methods.of(method).enrolPage(place));
  sendPage(ctx, deps.renderer, page.view, {
    action: enrolUrl(place.uid, method),
    csrf: deps.csrf.token(`interaction:${place.uid}`),
    values: state.values ?? {},
    errors: state.errors ?? {},
    ...page.data,
  }, status);
}

async function submit(ctx: Context, deps: FlowDeps, method: SecondStepMethod, place: SignInPlace): Promise<void> {
  const outcome = await deps.methods.of(method).enrol(place, (ctx.request.body ?? {}) as Record<string, unknown>);
  if (!outcome.ok) return render(ctx, deps, method, place, outcome, outcome.status);
  // Shown once (recovery codes): its form posts here again, and the method then answers done.
  if (outcome.show) return render(ctx, deps, method, place, {}, 200, outcome.show);
  await enrolled(ctx, deps, place);
}

/** Each method that can be set up in a sign-in (its `enrol`): a page after the second step. */
export function enrolRoutes(router: Router, deps: FlowDeps): void {
  for (const method of deps.methods.all) {
    if (!method.enrol) continue;
    const url = `/interaction/:uid/${method.enrol.path}`;
    router.get(url, async (ctx) => render(ctx, deps, method, await placeFor(ctx, deps, method)));
    router.post(url, async (ctx) => submit(ctx, deps, method, await placeFor(ctx, deps, method)));
  }
}
