import type { Context, Middleware } from 'koa';
import type { ZodError } from 'zod';
import { isDependencyError, OUTAGE } from '../storage/dependency-errors.js';
import { InvalidCursor } from '../identity/cursor.js';

/*
 * Every error of the admin API is an RFC 9457 problem document (application/problem+json):
 * a stable `type` per kind of error, its `title`, the `status` and a `detail` for this case.
 * The types are URNs: stable names that promise no page to fetch (RFC 9457 §3.1.1).
 */

const PROBLEMS = {
  'invalid-token': { status: 401, title: 'The bearer token is missing, unknown or expired' },
  'insufficient-scope': { status: 403, title: 'The token lacks the scope this route needs' },
  'invalid-request': { status: 400, title: 'The request does not match the route\'s schema' },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'The route does not take this method' },
  'unsupported-media-type': { status: 415, title: 'The body must be application/json' },
  'undeclared-type': { status: 422, title: 'The policy declares no such account type' },
  'invalid-clients-file': { status: 422, title: 'The clients file does not pass the start-up checks' },
  'idempotency-key-reused': { status: 422, title: 'This Idempotency-Key was used with another request' },
  'idempotency-key-in-use': { status: 409, title: 'A request with this Idempotency-Key is still running' },
  'already-decided': { status: 409, title: 'The organisation was already approved or rejected' },
  'wrong-status': { status: 409, title: 'The organisation is not in the status this action needs' },
  'not-dead': { status: 409, title: 'The webhook event is not dead-lettered: only those are replayed' },
  'already-exists': { status: 409, title: 'Another ID has this username or verified email address' },
  'email-taken': { status: 409, title: 'Another ID has verified this email address' },
  'too-many-requests': { status: 429, title: 'Too many codes were sent to this address; retry later' },
  unavailable: { status: 503, title: 'A store Portico depends on is unavailable' },
  'server-error': { status: 500, title: 'Internal server error' },
} as const;

export type ProblemKind = keyof typeof PROBLEMS;

export const problemType = (kind: ProblemKind) => `urn:portico:admin-api:problem:${kind}`;

/** Every problem the API may answer, for the OpenAPI document. */
export const problemKinds = Object.keys(PROBLEMS) as ProblemKind[];

export class Problem extends Error {
  override name = 'Problem';
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    /** Extension members (RFC 9457 §3.2), e.g. the fields a validation error names. */
    readonly extensions: Record<string, unknown> = {},
    /** Headers the answer carries (WWW-Authenticate, Allow, Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  get status(): number {
    return PROBLEMS[this.kind].status;
  }
}

/** A zod failure as a 400 problem listing each field (its path, dotted) and what is wrong with it. */
export function invalidRequest(part: 'path' | 'query' | 'body', error: ZodError): Problem {
  const errors = error.issues.map((issue) => ({ in: part, field: issue.path.map(String).join('.'), message: issue.message }));
  const detail = `The ${part === 'path' ? 'path' : part === 'query' ? 'query string' : 'body'} is not valid: ${errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ')}`;
  return new Problem('invalid-request', detail, { errors });
}

export function sendProblem(ctx: Context, problem: Problem): void {
  const { title, status } = PROBLEMS[problem.kind];
  for (const [name, value] of Object.entries(problem.headers)) ctx.set(name, value);
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  // A detail may quote what the caller sent; with <, > and & as JSON escapes, no reader that
  // sniffs the answer as HTML finds markup in it, and JSON readers get the same text.
  ctx.body = JSON.stringify({ type: problemType(problem.kind), title, status, detail: problem.detail, ...problem.extensions }).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  ctx.type = 'application/problem+json';
}

/** Anything thrown below becomes a problem: a store outage 503 (as web/errors.ts decides), the rest 500, never a stack. */
export function problemAnswers(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof Problem) return sendProblem(ctx, error);
      if (error instanceof InvalidCursor) {
        return sendProblem(ctx, new Problem('invalid-request', 'The query string is not valid: cursor: not a cursor this list handed out', { errors: [{ in: 'query', field: 'cursor', message: 'not a cursor this list handed out' }] }));
      }
      if (isDependencyError(error)) {
        ctx.state.log?.error({ err: error }, 'dependency unavailable');
        return sendProblem(ctx, new Problem('unavailable', 'Try again shortly.', {}, { 'Retry-After': String(OUTAGE.retryAfterSeconds) }));
      }
      const e = error as { status?: number; expose?: boolean; message?: string };
      // The body parser's refusals (too large, not JSON) are the caller's.
      if (e.expose && e.status === 415) return sendProblem(ctx, new Problem('unsupported-media-type', e.message ?? ''));
      if (e.expose && e.status && e.status < 500) return sendProblem(ctx, new Problem('invalid-request', e.message ?? ''));
      ctx.state.log?.error({ err: error }, 'unhandled error');
      sendProblem(ctx, new Problem('server-error', 'The request failed; the error is in the server log.'));
    }
  };
}
