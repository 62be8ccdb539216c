import type { Context } from 'koa';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { mailLinks } from './context.js';
import { VERIFY_CODE_LENGTH } from '../../identity/registration/verification-mail.js';
import type { Text } from '../../i18n/index.js';

export interface WaitingPage {
  base: string;
  csrf: string;
  destination: string;
}

export interface PageMessages {
  /** Beside the code (or the new address) field. */
  fieldError?: Text;
  /** A page-level refusal (resend throttled). */
  alert?: Text;
  /** A page-level confirmation (a new email was sent). */
  notice?: Text;
  /** The address typed on the change form. */
  email?: string;
}

/** The waiting page: code box, "Resend email", "Use a different email address". */
export function renderWaiting(ctx: Context, deps: FlowDeps, page: WaitingPage, messages: PageMessages = {}, status = 200): void {
  sendPage(ctx, deps.renderer, 'verify-email', {
    mode: 'code',
    ...page,
    ...messages,
    codeLength: VERIFY_CODE_LENGTH,
    codeAction: page.base,
    resendAction: `${page.base}/resend`,
    changeUrl: `${page.base}/change-email`,
    continueUrl: page.base,
  }, status);
}

export function renderChangeEmail(ctx: Context, deps: FlowDeps, page: WaitingPage, messages: PageMessages = {}, status = 200): void {
  sendPage(ctx, deps.renderer, 'verify-email', {
    mode: 'change',
    ...page,
    ...messages,
    changeAction: `${page.base}/change-email`,
    backUrl: page.base,
  }, status);
}

/**
 * The page a link from the mail opens: one button, so a mail scanner's GET uses nothing up; in
 * a browser other than the one that created the ID, the ID's password too.
 */
export function renderLinkConfirm(ctx: Context, deps: FlowDeps, token: string, options: { askPassword: boolean; fieldError?: Text }, status = 200): void {
  sendPage(ctx, deps.renderer, 'verify-email', {
    mode: 'link',
    linkAction: '/verify-email/confirm',
    token,
    csrf: deps.csrf.token(`verify-link:${token}`),
    ...options,
  }, status);
}

/** "Your ID is ready"; an ID of a type that acts for an organisation is shown where to register or join it. */
export async function renderDone(ctx: Context, deps: FlowDeps, accountId: string): Promise<void> {
  const account = await deps.identity.signIn.account(accountId);
  const needsOrganization = deps.config.policy.account_types.some((t) => t.id === account?.account_type && t.needs_organization);
  sendPage(ctx, deps.renderer, 'registration-done', { signInUrl: mailLinks(deps.config.issuer).signInUrl, organizationUrl: needsOrganization ? '/account/organizations' : undefined });
}
