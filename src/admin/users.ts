import { z } from 'zod';
import type { AccountReport, OperatorAction } from '../identity/account-admin.js';
import type { AccountSummary } from '../identity/account-search.js';
import { Problem } from './problems.js';
import { route, type AdminDeps, type AnyRoute } from './route.js';
import { cursorSchema, limitSchema, pageSchema } from './pages.js';

export const idParams = z.object({ id: z.string().min(1).max(100).describe('The ID\'s id (the `sub` of its tokens)') }).strict();

const date = z.iso.datetime();
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const userSummary = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  name: z.string(),
  type: z.string().describe('The account type (policy second_step.account_types)'),
  status: z.enum(['active', 'disabled']),
  lock_reason: z.string().nullable().describe('Why a disabled ID is disabled: failed_passwords, failed_answers, failed_codes, operator'),
  last_sign_in_at: date.nullable(),
});

export const userDetail = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  email_verified: z.boolean(),
  type: z.string(),
  status: z.enum(['active', 'disabled']),
  lock: z.object({ reason: z.string().nullable(), since: date.nullable() }).nullable().describe('Set while the ID is disabled: by failed sign-ins or by an operator'),
  failed_sign_ins: z.object({ password: z.number().int(), answers: z.number().int(), codes: z.number().int() }),
  last_sign_in_at: date.nullable(),
  second_step: z.object({
    security_questions: z.boolean(),
    authenticator_app: z.boolean(),
    passkeys: z.number().int(),
    phone: z.boolean(),
  }),
  trusted_devices: z.number().int().describe('Remembered devices not yet expired'),
});

const actionResult = z.object({
  id: z.string(),
  action: z.string(),
  changed: z.boolean().describe('false when there was nothing to do (unlocking an ID that was not locked)'),
});

const summary = (a: AccountSummary): z.input<typeof userSummary> => ({
  id: a.id,
  username: a.username,
  email: a.email,
  name: a.name,
  type: a.accountType,
  status: a.status,
  lock_reason: a.lockReason,
  last_sign_in_at: iso(a.lastSignInAt),
});

export const detail = (r: AccountReport): z.input<typeof userDetail> => ({
  id: r.id,
  username: r.username,
  email: r.email,
  email_verified: r.emailVerified,
  type: r.accountType,
  status: r.status,
  lock: r.status === 'disabled' ? { reason: r.lockReason, since: iso(r.lockedAt) } : null,
  failed_sign_ins: { password: r.failedPasswords, answers: r.failedAnswers, codes: r.failedCodes },
  last_sign_in_at: iso(r.lastSignInAt),
  second_step: { security_questions: r.securityQuestionsSet, authenticator_app: r.authenticatorApp !== undefined, passkeys: r.passkeys.length, phone: r.phoneEnding !== undefined },
  trusted_devices: r.trustedDevices.length,
});

export const noSuchUser = (id: string) => new Problem('not-found', `No ID has the id "${id}".`);

async function act({ params, deps, client }: { params: { id: string }; deps: AdminDeps; client: string }, action: OperatorAction) {
  const done = await deps.admin.act(params.id, action, { adminClient: client });
  if (!done) throw noSuchUser(params.id);
  return { id: params.id, action, changed: done.changed };
}

/** One help-desk action as a POST without a body: the same rules as `portico users <verb>`. */
function actionRoute(path: string, action: OperatorAction, summaryText: string): AnyRoute {
  return route({
    method: 'post',
    path: `/users/{id}/${path}`,
    operationId: `user_${action}`,
    summary: summaryText,
    scope: 'admin:users:write',
    write: true,
    params: idParams,
    response: actionResult,
    handle: (input) => act(input, action),
  });
}

/** Another of the policy's types, as `portico users set-type`: an undeclared one is a 422 naming the field. */
const setTypeRoute = route({
  method: 'post',
  path: '/users/{id}/type',
  operationId: 'user_set_type',
  summary: 'Give the ID another of the account types the policy declares (account_types): what it may use to sign in, how it is unlocked and recovers follow from it',
  scope: 'admin:users:write',
  write: true,
  params: idParams,
  body: z.object({ type: z.string().min(1).max(100).describe('A type the policy declares (account_types[].id)') }).strict(),
  response: actionResult,
  handle: async ({ params, body, deps, client }) => {
    const outcome = await deps.admin.setType(params.id, body.type, { adminClient: client });
    if (!outcome) throw noSuchUser(params.id);
    if (!outcome.ok) {
      const message = `unknown account type "${body.type}" (declared in account_types: ${outcome.declared.join(', ')})`;
      throw new Problem('undeclared-type', `type: ${message}`, { errors: [{ in: 'body', field: 'type', message }], declared: outcome.declared });
    }
    return { id: params.id, action: 'set_type', changed: outcome.changed };
  },
});

const SECOND_STEP_RESETS = { authenticator_app: 'reset_authenticator_app', passkeys: 'reset_passkeys', phone: 'reset_phone', security_questions: 'reset_security_questions' } as const;

export const userRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/users',
    operationId: 'users_search',
    summary: 'Search IDs by part of the username, email or name; username order, a page at a time',
    scope: 'admin:users:read',
    query: z
      .object({
        q: z.string().min(1).max(200).optional().describe('Part of the username, email or name, any case'),
        status: z.enum(['active', 'disabled']).optional(),
        limit: limitSchema,
        cursor: cursorSchema,
      })
      .strict(),
    response: pageSchema(userSummary),
    handle: async ({ query, deps }) => {
      const page = await deps.admin.searchAccounts(query);
      return { items: page.items.map(summary), next_cursor: page.nextCursor ?? null };
    },
  }),
  route({
    method: 'get',
    path: '/users/{id}',
    operationId: 'user_show',
    summary: 'Type, status, lock, failed sign-ins, last sign-in, second-step methods set up and remembered devices of one ID',
    scope: 'admin:users:read',
    params: idParams,
    response: userDetail,
    handle: async ({ params, deps }) => {
      const report = await deps.admin.describe(params.id);
      if (!report) throw noSuchUser(params.id);
      return detail(report);
    },
  }),
  actionRoute('unlock', 'unlock', 'Re-enable a locked or disabled ID and clear its failure counts'),
  actionRoute('enable', 'enable', 'The same as unlock, for an ID an operator disabled'),
  actionRoute('disable', 'disable', 'Disable an ID: its sessions and tokens stop working; only the help desk can re-enable it'),
  actionRoute('password-change', 'require_password_change', 'Require a new password at the next sign-in, after the password and second step'),
  actionRoute('devices/forget', 'forget_devices', 'Forget the ID\'s remembered devices: its next sign-in on each takes the second step'),
  actionRoute('sessions/end', 'end_sessions', 'Sign the ID out everywhere: its sessions, access and refresh tokens from a sign-in before now stop working'),
  route({
    method: 'post',
    path: '/users/{id}/second-step/reset',
    operationId: 'user_second_step_reset',
    summary: 'Remove the authenticator app, the passkeys or the phone number (the owner is told by email), or the security answers (new ones are set at the next sign-in)',
    scope: 'admin:users:write',
    write: true,
    params: idParams,
    body: z.object({ method: z.enum(Object.keys(SECOND_STEP_RESETS) as [keyof typeof SECOND_STEP_RESETS]) }).strict(),
    response: actionResult,
    handle: (input) => act(input, SECOND_STEP_RESETS[input.body.method]),
  }),
  setTypeRoute,
  route({
    method: 'delete',
    path: '/users/{id}',
    operationId: 'user_delete',
    summary: 'Delete the ID for good: the account, its sessions, tokens, methods, devices, answers and links; its audit events keep only a pseudonym, which the answer gives',
    scope: 'admin:users:write',
    write: true,
    params: idParams,
    response: z.object({
      deleted: z.literal(true),
      pseudonym: z.string().describe('What names the ID in the audit trail from now on'),
    }),
    handle: async ({ params, deps, client }) => {
      const done = await deps.admin.erase(params.id, { adminClient: client });
      if (!done) throw noSuchUser(params.id);
      return { deleted: true as const, pseudonym: done.pseudonym };
    },
  }),
];
