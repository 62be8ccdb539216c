import type { Context } from 'koa';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { passwordHints } from '../register/rule-hints.js';
import { browserBinding } from '../standalone-form.js';

export const RECOVER_BINDING = 'recover';

export type RecoverMode = 'choose' | 'username' | 'usernameSent' | 'start' | 'code' | 'questions' | 'new' | 'done';

/** Every recovery page: one view, one form token bound to this browser. */
export function renderRecover(ctx: Context, deps: FlowDeps, mode: RecoverMode, data: Record<string, unknown> = {}, status = 200): void {
  const code = deps.config.policy.second_step.access_code;
  sendPage(ctx, deps.renderer, 'recover', {
    mode,
    csrf: deps.csrf.token(browserBinding(ctx, RECOVER_BINDING)),
    signInUrl: '/account',
    codeLength: code.length,
    validMinutes: code.ttl_minutes,
    passwordHints: passwordHints(deps.config.policy.password),
    ...data,
  }, status);
}
