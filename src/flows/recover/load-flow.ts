import type { Context } from 'koa';
import type { RecoveryFlow, RecoveryState } from '../../identity/flows/recovery.js';
import { GoTo } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { readRecoveryCookie } from './flow-cookie.js';

/** The browser's flow at one of `states`; anywhere else (expired, a jump ahead, a replayed form) back to the start. */
export async function recoveryAt(ctx: Context, deps: FlowDeps, states: readonly RecoveryState[]): Promise<RecoveryFlow> {
  const flow = await deps.identity.recovery.find(readRecoveryCookie(ctx), states);
  if (!flow) throw new GoTo('/recover/password');
  return flow;
}
