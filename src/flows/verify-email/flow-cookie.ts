import type { Context } from 'koa';
import type { FlowDeps } from '../deps.js';
import { hostCookie } from '../../web/cookies.js';

/**
 * The browser's pending verification: a random flow id (the database holds its hash). HttpOnly
 * and SameSite=Lax: the id lets its holder change the pending ID's address, so no script and
 * no other site may use it.
 */
const flowCookie = hostCookie('portico_verify');

export function setFlowCookie(ctx: Context, deps: FlowDeps, flowId: string): void {
  const ttlMs = deps.config.policy.registration.verification.code_ttl_hours * 3600 * 1000;
  flowCookie.set(ctx, flowId, ttlMs);
}

export function readFlowCookie(ctx: Context): string | undefined {
  return flowCookie.get(ctx);
}

export function clearFlowCookie(ctx: Context): void {
  flowCookie.clear(ctx);
}
