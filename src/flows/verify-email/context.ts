import type { Context } from 'koa';
import type { MailLinks, RequestOrigin } from '../../identity/registration/context.js';
import type { VerificationRequest } from '../../identity/services/registration.js';
import type { FlowDeps } from '../deps.js';

/**
 * Absolute URLs for the mails. /account and /recover are the hosted account and recovery
 * pages of docs/architecture.md: the places to sign in directly and to recover a username or password.
 */
export function mailLinks(issuer: string): MailLinks {
  return {
    // In the query, not the path: request logs keep paths and never query strings.
    verifyLink: (token) => `${issuer}/verify-email/confirm?token=${token}`,
    signInUrl: `${issuer}/account`,
    recoverUrl: `${issuer}/recover`,
  };
}

export function requestOrigin(ctx: Context, clientId?: unknown): RequestOrigin {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent'), clientId: typeof clientId === 'string' ? clientId : undefined };
}

/** What the registration service needs of this request. */
export function verificationRequest(ctx: Context, deps: FlowDeps, clientId?: unknown): VerificationRequest {
  return { links: mailLinks(deps.config.issuer), origin: requestOrigin(ctx, clientId) };
}
