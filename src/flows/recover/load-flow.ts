import type { Context } from 'koa';
import { findRecoveryFlow, type RecoveryFlow } from '../../identity/recovery/recovery-flow.js';
import type { FlowDeps } from '../deps.js';
import { readRecoveryCookie } from './flow-cookie.js';

/** The browser's flow at one of `stages`; otherwise back to the start. */
export async function loadRecoveryFlow(ctx: Context, deps: FlowDeps, ...stages: RecoveryFlow['stage'][]): Promise<RecoveryFlow | undefined> {
  const flow = await findRecoveryFlow(deps.db, readRecoveryCookie(ctx));
  if (flow && stages.includes(flow.stage)) return flow;
  ctx.status = 303;
  ctx.redirect('/recover/password');
  return undefined;
}
