import type Router from '@koa/router';
import type { Context } from 'koa';
import type { SecondStepMethod } from '../../methods/index.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { locked, methodUrl, proved, signInAt, type SignInPlace } from '../sign-in/flow.js';
import { ensureDeviceToken } from './device-cookie.js';
import { renderStep } from './page.js';

/** This sign-in at its second step, with the methods it is offered; a method not offered to it goes to the first that is. */
async function placeFor(ctx: Context, deps: FlowDeps, method: SecondStepMethod): Promise<{ place: SignInPlace; offered: SecondStepMethod[] }> {
  const place = await signInAt(ctx, deps, 'second_step');
  const offered = place.flow.data.offered?.map((id) => deps.methods.byId(id)).filter((m): m is SecondStepMethod => m !== undefined) ?? (await deps.methods.offered(place.account));
  // Not offered to this account (questions without answers, or barred after a reset made with them).
  if (!offered.includes(method)) throw new GoTo(methodUrl(place.uid, offered[0]!));
  return { place, offered };
}

/** The method's form: a right proof remembers the device if asked and moves the flow on. */
async function submit(ctx: Context, deps: FlowDeps, method: SecondStepMethod, place: SignInPlace, offered: SecondStepMethod[]): Promise<void> {
  await deps.limits.attempt('codes', ctx.ip, place.account.id);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const bound = deps.methods.of(method);
  const result = await bound.verify(place, body);
  if (result.ok) {
    await bound.succeeded(place);
    if (body.remember === 'yes') await deps.identity.signIn.trustDevice(place.account.id, ensureDeviceToken(ctx, deps), ctx.get('user-agent'), place.origin);
    return proved(ctx, deps, place, [...place.flow.data.amr, result.amr ?? method.amr], method.acr, result.setUpAgain ? method : undefined);
  }
  if (result.locked) return locked(ctx, deps, place.details, place.account, place.flow);
  await renderStep(ctx, deps, place, method, offered, result.messages, result.status, 'post');
}

/**
 * Each method of the registry (methods/index.ts): its page, its form's POST, and a POST per
 * action. A GET only shows (RFC 9110 §9.2.1: GET is safe); what it sends, a POST sends.
 */
export function methodRoutes(router: Router, deps: FlowDeps): void {
  for (const method of deps.methods.all) {
    const url = `/interaction/:uid/${method.path}`;
    router.get(url, async (ctx) => {
      const { place, offered } = await placeFor(ctx, deps, method);
      await renderStep(ctx, deps, place, method, offered);
    });
    router.post(url, async (ctx) => {
      const { place, offered } = await placeFor(ctx, deps, method);
      await submit(ctx, deps, method, place, offered);
    });
    for (const name of Object.keys(method.actions ?? {})) {
      router.post(`${url}/${name}`, async (ctx) => {
        const { place, offered } = await placeFor(ctx, deps, method);
        const { messages, status } = await deps.methods.of(method).act(name, place);
        await renderStep(ctx, deps, place, method, offered, messages, status, 'post');
      });
    }
  }
}
