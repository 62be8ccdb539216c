import { randomUUID } from 'node:crypto';
import type { OrganizationsPolicy } from '../../config/policy-organizations.js';
import { enqueueMail } from '../../notify/outbox.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { inTransaction } from '../transaction.js';
import { checkOrganizationFields, type FieldErrors, type OrganizationFields } from './fields.js';
import { mayRequest } from './limits.js';
import { addMember, administers, rolesIn } from './members.js';
import { isAdminRoles } from './roles.js';
import { sealTaxId, taxIdHash, taxIdLast4 } from './tax-id.js';

/*
 * A person asks for an organisation by its Tax ID. No organisation with that Tax ID: one is
 * made, pending, with a request to register it, in one transaction. One exists: a request to
 * join it, which its administrators decide (they get a mail; the person is never told who
 * they are).
 *
 * Two requests for one new Tax ID at the same instant: the unique index on the keyed hash
 * settles it (INSERT ... ON CONFLICT DO NOTHING waits for the other transaction and then finds
 * its row), so one organisation is made. The loser is treated as if it came second: the same
 * person gets back the request they already have (one pending request per person and
 * organisation, a partial unique index), anyone else a request to join.
 */

export type RequestOutcome =
  | { ok: true; kind: 'register' | 'join'; requestId: string; organizationId: string; created: boolean }
  | { ok: true; kind: 'member'; organizationId: string }
  | { ok: false; reason: 'invalid'; errors: FieldErrors }
  | { ok: false; reason: 'limited' };

/** What the person already has with the organisation of this Tax ID hash, if it exists. */
async function existing(trx: Db, hash: string, accountId: string): Promise<RequestOutcome | { organizationId: string; legalName: string; status: string } | undefined> {
  const org = await trx.selectFrom('organizations').select(['id', 'legal_name', 'status']).where('tax_id_hash', '=', hash).executeTakeFirst();
  if (!org) return undefined;
  if ((await rolesIn(trx, org.id, accountId)) !== undefined) return { ok: true, kind: 'member', organizationId: org.id };
  const pending = await trx.selectFrom('organization_requests').select(['id', 'kind']).where('organization_id', '=', org.id).where('account_id', '=', accountId).where('status', '=', 'pending').executeTakeFirst();
  if (pending) return { ok: true, kind: pending.kind, requestId: pending.id, organizationId: org.id, created: false };
  return { organizationId: org.id, legalName: org.legal_name, status: org.status };
}

/** Asks to register the organisation of this Tax ID, or to join it when it exists. `db` is a root handle (it seals). */
export async function requestOrganization(db: Db, policy: OrganizationsPolicy, requester: Account, input: OrganizationFields, origin: AuditOrigin = {}): Promise<RequestOutcome> {
  const checked = checkOrganizationFields(input);
  if (!checked.ok) return { ok: false, reason: 'invalid', errors: checked.errors };
  const { digits, legalName, address, phone } = checked.fields;
  const last4 = taxIdLast4(digits);
  const hash = await taxIdHash(db, digits);
  const id = randomUUID();
  const sealed = await sealTaxId(db, id, digits);
  const actor = `account:${requester.id}`;
  return inTransaction(db, async (trx) => {
    let found = await existing(trx, hash, requester.id);
    if (found && 'ok' in found) return found;
    if (!(await mayRequest(trx, policy, requester.id))) return { ok: false, reason: 'limited' };
    if (!found) {
      const created = await trx
        .insertInto('organizations')
        // Its kind is the requester's type (provider, employer, ...): what portals may be limited to.
        .values({ id, legal_name: legalName, address, phone, kind: requester.account_type, tax_id_hash: hash, tax_id_sealed: sealed, tax_id_last4: last4, created_by: actor })
        .onConflict((c) => c.column('tax_id_hash').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (created) {
        // A new organisation has no request yet: this insert cannot meet a pending one.
        const requestId = (await insertRequest(trx, 'register', requester.id, id))!;
        await recordAudit(trx, { action: 'organization.requested', actor, accountId: requester.id, ...origin, details: { organization_id: id, request_id: requestId, tax_id_last4: last4 } });
        await enqueueMail(trx, { to: requester.email, template: 'org-request-received', accountId: requester.id, data: { givenName: requester.given_name, orgName: legalName, last4, join: false } });
        return { ok: true, kind: 'register', requestId, organizationId: id, created: true };
      }
      // Another request made it meanwhile: from here, as if this one had come second.
      found = await existing(trx, hash, requester.id);
      if (!found) throw new Error('organization vanished while being requested');
      if ('ok' in found) return found;
    }
    return requestToJoin(trx, hash, requester, found, last4, origin);
  });
}

/** The new request's id; undefined when the person's pending request to this organisation came first (a race of theirs). */
async function insertRequest(trx: Db, kind: 'register' | 'join', accountId: string, organizationId: string): Promise<string | undefined> {
  const row = await trx
    .insertInto('organization_requests')
    .values({ id: randomUUID(), kind, account_id: accountId, organization_id: organizationId })
    .onConflict((c) => c.columns(['account_id', 'organization_id']).where('status', '=', 'pending').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

async function requestToJoin(trx: Db, hash: string, requester: Account, org: { organizationId: string; legalName: string; status: string }, last4: string, origin: AuditOrigin): Promise<RequestOutcome> {
  const requestId = await insertRequest(trx, 'join', requester.id, org.organizationId);
  if (!requestId) {
    const mine = await existing(trx, hash, requester.id);
    if (mine && 'ok' in mine) return mine;
    throw new Error('a pending request blocked this one and then vanished');
  }
  await recordAudit(trx, { action: 'organization.join_requested', actor: `account:${requester.id}`, accountId: requester.id, ...origin, details: { organization_id: org.organizationId, request_id: requestId, tax_id_last4: last4 } });
  await enqueueMail(trx, { to: requester.email, template: 'org-request-received', accountId: requester.id, data: { givenName: requester.given_name, orgName: org.legalName, last4, join: true } });
  // A pending organisation has no administrator yet: its join requests wait for the first one.
  const admins = await trx
    .selectFrom('memberships')
    .innerJoin('accounts', 'accounts.id', 'memberships.account_id')
    .select(['accounts.id', 'accounts.email', 'accounts.given_name', 'memberships.roles'])
    .where('memberships.organization_id', '=', org.organizationId)
    .where('accounts.status', '=', 'active')
    .execute();
  for (const admin of admins.filter((a) => isAdminRoles(a.roles))) {
    const requesterName = `${requester.given_name} ${requester.family_name}`.trim();
    await enqueueMail(trx, { to: admin.email, template: 'org-join-request', accountId: admin.id, language: 'account', data: { givenName: admin.given_name, orgName: org.legalName, requesterName, requesterEmail: requester.email } });
  }
  return { ok: true, kind: 'join', requestId, organizationId: org.organizationId, created: true };
}

export interface JoinRequest {
  id: string;
  accountId: string;
  username: string;
  name: string;
  email: string;
  createdAt: Date;
}

/** The pending join requests of an organisation, for its administrator; undefined for anyone else. */
export async function pendingJoinRequests(db: Db, adminId: string, organizationId: string): Promise<JoinRequest[] | undefined> {
  if (!(await administers(db, organizationId, adminId))) return undefined;
  const rows = await db
    .selectFrom('organization_requests')
    .innerJoin('accounts', 'accounts.id', 'organization_requests.account_id')
    .select(['organization_requests.id', 'accounts.id as account_id', 'accounts.username', 'accounts.given_name', 'accounts.family_name', 'accounts.email', 'organization_requests.created_at'])
    .where('organization_requests.organization_id', '=', organizationId)
    .where('organization_requests.kind', '=', 'join')
    .where('organization_requests.status', '=', 'pending')
    .orderBy('organization_requests.created_at')
    .execute();
  return rows.map((r) => ({ id: r.id, accountId: r.account_id, username: r.username, name: `${r.given_name} ${r.family_name}`.trim(), email: r.email, createdAt: new Date(r.created_at) }));
}

/**
 * An administrator approves (the person becomes a member) or declines a join request of their
 * organisation. A request of another organisation is not_found, as one that does not exist.
 */
export function decideJoinRequest(db: Db, adminId: string, organizationId: string, requestId: string, approve: boolean, origin: AuditOrigin = {}): Promise<{ ok: true; accountId: string } | { ok: false; reason: 'forbidden' | 'not_found' }> {
  return inTransaction(db, async (trx) => {
    if (!(await administers(trx, organizationId, adminId))) return { ok: false, reason: 'forbidden' };
    const actor = `account:${adminId}`;
    const decided = await trx
      .updateTable('organization_requests')
      .set({ status: approve ? 'approved' : 'declined', decided_by: actor, decided_at: new Date() })
      .where('id', '=', requestId)
      .where('organization_id', '=', organizationId)
      .where('kind', '=', 'join')
      .where('status', '=', 'pending')
      .returning('account_id')
      .executeTakeFirst();
    if (!decided) return { ok: false, reason: 'not_found' };
    if (approve) await addMember(trx, organizationId, decided.account_id, 'member', actor);
    await recordAudit(trx, { action: approve ? 'organization.join_approved' : 'organization.join_declined', actor, accountId: decided.account_id, ...origin, details: { organization_id: organizationId, request_id: requestId } });
    return { ok: true, accountId: decided.account_id };
  });
}

/** The person's own pending requests, for their account page: the Tax ID as its last 4 digits. */
export async function pendingRequestsOf(db: Db, accountId: string): Promise<Array<{ kind: 'register' | 'join'; name: string; last4: string }>> {
  const rows = await db
    .selectFrom('organization_requests')
    .innerJoin('organizations', 'organizations.id', 'organization_requests.organization_id')
    .select(['organization_requests.kind', 'organizations.legal_name', 'organizations.tax_id_last4'])
    .where('organization_requests.account_id', '=', accountId)
    .where('organization_requests.status', '=', 'pending')
    .orderBy('organization_requests.created_at')
    .execute();
  return rows.map((r) => ({ kind: r.kind, name: r.legal_name, last4: r.tax_id_last4 }));
}
