import { z } from 'zod';
import { translator } from '../i18n/index.js';
import { Problem } from './problems.js';
import { route, type AdminDeps, type AnyRoute } from './route.js';
import { detail, idParams, noSuchUser, userDetail } from './users.js';

/*
 * Creating an ID and editing its address, name or type: the CLI's `users create` (an
 * invitation to choose a password, never a password by mail) and the account page's address
 * rules (a verified address is one ID's only), with the admin client as the audit actor.
 */

/** The API's words are English, as its problem titles are. */
const english = translator('en');

const username = z.string().trim().min(1).max(100).regex(/^\S+$/, 'must not contain spaces');
const email = z.email().max(254);
const personName = z.string().trim().min(1).max(100);

function undeclaredType(deps: AdminDeps, type: string, declared = deps.admin.accountTypes()): Problem {
  const message = `unknown account type "${type}" (declared in account_types: ${declared.join(', ')})`;
  return new Problem('undeclared-type', `type: ${message}`, { errors: [{ in: 'body', field: 'type', message }], declared });
}

const createUser = route({
  method: 'post',
  path: '/users',
  operationId: 'user_create',
  summary: 'Create an ID without a usable password: its address gets a single-use link to choose one (as `portico users create` without --password-stdin), whose use proves the address',
  scope: 'admin:users:write',
  write: true,
  body: z
    .object({
      username: username.describe('The sign-in name, without spaces'),
      email,
      given_name: personName,
      family_name: personName,
      type: z.string().min(1).max(100).optional().describe('A type the policy declares (account_types[].id); member when left out'),
    })
    .strict(),
  response: userDetail,
  handle: async ({ body, deps, client }) => {
    if (body.type !== undefined && !deps.admin.accountTypes().includes(body.type)) throw undeclaredType(deps, body.type);
    const user = { username: body.username, email: body.email, givenName: body.given_name, familyName: body.family_name, ...(body.type ? { accountType: body.type } : {}) };
    const broken = deps.admin.inputProblems(user);
    if (broken.length > 0) {
      const errors = broken.map((p) => ({ in: 'body', field: p.field, message: english.msg(p.message) }));
      throw new Problem('invalid-request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    }
    const created = await deps.admin.createInvited(user, { adminClient: client });
    if (created === 'taken') throw new Problem('already-exists', 'An ID with this username or email address already exists.');
    return detail(created);
  },
});

const editBody = z
  .object({
    email: email.optional().describe('A new address'),
    verify: z.boolean().optional().describe('With email, required: true mails the new address a code and the change waits until the owner types it on the account page; false sets the address as verified at once'),
    given_name: personName.optional(),
    family_name: personName.optional(),
    type: z.string().min(1).max(100).optional().describe('A type the policy declares (account_types[].id)'),
  })
  .strict()
  .refine((b) => b.email !== undefined || b.given_name !== undefined || b.family_name !== undefined || b.type !== undefined, { message: 'give at least one of email, given_name, family_name, type' })
  .refine((b) => (b.email === undefined) === (b.verify === undefined), { message: 'verify goes with email, and email needs verify', path: ['verify'] });

const editUser = route({
  method: 'patch',
  path: '/users/{id}',
  operationId: 'user_edit',
  summary: 'Change the address (with or without re-verification), the name or the type of an ID; each change audited',
  scope: 'admin:users:write',
  write: true,
  params: idParams,
  body: editBody,
  response: z.object({
    id: z.string(),
    changed: z.array(z.enum(['email', 'name', 'type'])).describe('What changed now (an address waiting for its code is not among them)'),
    email_pending: z.string().nullable().describe('The address a code was mailed to, which replaces the current one once typed back on the account page'),
  }),
  handle: async ({ params, body, deps, client }) => {
    const outcome = await deps.admin.edit(
      params.id,
      {
        ...(body.email !== undefined ? { email: { address: body.email, verify: body.verify! } } : {}),
        ...(body.given_name !== undefined || body.family_name !== undefined ? { name: { givenName: body.given_name, familyName: body.family_name } } : {}),
        ...(body.type !== undefined ? { type: body.type } : {}),
      },
      { adminClient: client },
    );
    if (!outcome) throw noSuchUser(params.id);
    if (!outcome.ok) {
      if (outcome.reason === 'undeclared_type') throw undeclaredType(deps, body.type!, outcome.declared);
      if (outcome.reason === 'email_taken') throw new Problem('email-taken', 'email: another ID has verified this address.', { errors: [{ in: 'body', field: 'email', message: 'another ID has verified this address' }] });
      throw new Problem('too-many-requests', `Retry in ${outcome.retryAfterSeconds} seconds.`, {}, { 'Retry-After': String(outcome.retryAfterSeconds) });
    }
    return { id: params.id, changed: outcome.changed, email_pending: outcome.emailPending };
  },
});

export const userEditRoutes: AnyRoute[] = [createUser, editUser];
