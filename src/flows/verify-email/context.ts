import type { Context } from 'koa';
import type { MailLinks, RequestOrigin, VerificationContext } from '../../identity/registration/context.js';
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

export function verificationContext(ctx: Context, deps: FlowDeps, clientId?: unknown): VerificationContext {
  return { policy: deps.config.policy.registration.verification, mailCap: deps.config.policy.pending_ids, codeFailures: deps.config.policy.code_failures, links: mailLinks(deps.config.issuer), origin: requestOrigin(ctx, clientId) };
}
