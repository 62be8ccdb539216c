import type { Context } from 'koa';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { passwordHints } from '../register/rule-hints.js';
import { msg } from '../../i18n/index.js';
import { requireForm } from '../interaction.js';
import { browserBinding } from '../standalone-form.js';

export const RECOVER_BINDING = 'recover';

export type RecoverMode = 'choose' | 'username' | 'usernameSent' | 'start' | 'code' | 'questions' | 'new' | 'done';

/** Every recovery page: one view, one form token bound to this browser. */
export function renderRecover(ctx: Context, deps: FlowDeps, mode: RecoverMode, data: Record<string, unknown> = {}, status = 200): void {
  const { second_step, recovery } = deps.config.policy;
  sendPage(ctx, deps.renderer, 'recover', {
    mode,
    csrf: deps.csrf.token(browserBinding(ctx, RECOVER_BINDING)),
    signInUrl: '/account',
    codeLength: recovery.code_length,
    validMinutes: second_step.access_code.ttl_minutes,
    answersAlone: recovery.allow_answers_alone,
    passwordHints: passwordHints(deps.config.policy.password),
    ...data,
  }, status);
}

export const recoverOrigin = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent') });
/** Every recovery form must come from a recovery page in this browser (CsrfError otherwise). */
export const requireRecoverForm = (ctx: Context, deps: FlowDeps) => requireForm(ctx, deps, browserBinding(ctx, RECOVER_BINDING), msg('standalone.csrf.body'));

/** Recovery codes paused (code-failures.ts): what the person can still do. */
export const recoveryLockedAdvice = (deps: FlowDeps) => msg('recover.locked_advice', { helpDesk: { text: deps.config.policy.lockout.help_desk, translations: deps.config.policy.lockout.help_desk_translations } });
