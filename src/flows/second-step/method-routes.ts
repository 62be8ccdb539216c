import type Router from '@koa/router';
import type { Context } from 'koa';
import type { SecondStepMethod } from '../../methods/index.js';
import type { FlowDeps } from '../deps.js';
import { showLocked } from '../locked/page.js';
import { completeSecondStep } from './complete.js';
import { methodUrl, renderStep } from './page.js';
import { loadStep, type StepPlace } from './step.js';

/** This sign-in at its second step, with the methods it is offered; or a redirect and undefined. */
async function placeFor(ctx: Context, deps: FlowDeps, method: SecondStepMethod, post: boolean): Promise<{ place: StepPlace; offered: SecondStepMethod[] } | undefined> {
  const place = await loadStep(ctx, deps, 'second_step', { post });
  if (!place) return undefined;
  const offered = await deps.methods.offered(deps, place.account);
  if (offered.includes(method)) return { place, offered };
  // Not offered to this account (questions without answers, or barred after a reset made with them).
  ctx.status = 303;
  ctx.redirect(methodUrl(place.uid, offered[0]!));
  return undefined;
}

async function submit(ctx: Context, deps: FlowDeps, method: SecondStepMethod, place: StepPlace, offered: SecondStepMethod[]): Promise<void> {
  await deps.limits.attempt('codes', ctx.ip, place.account.id);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const result = await method.verify(deps, place, body);
  if (result.ok) return completeSecondStep(ctx, deps, place, method, body.remember === 'yes');
  if (result.locked) return showLocked(ctx, deps, place.details, place.account.id);
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
      const at = await placeFor(ctx, deps, method, false);
      if (at) await renderStep(ctx, deps, at.place, method, at.offered);
    });
    router.post(url, async (ctx) => {
      const at = await placeFor(ctx, deps, method, true);
      if (at) await submit(ctx, deps, method, at.place, at.offered);
    });
    for (const [name, action] of Object.entries(method.actions ?? {})) {
      router.post(`${url}/${name}`, async (ctx) => {
        const at = await placeFor(ctx, deps, method, true);
        if (!at) return;
        const { messages, status } = await action(deps, at.place);
        await renderStep(ctx, deps, at.place, method, at.offered, messages, status, 'post');
      });
    }
  }
}
