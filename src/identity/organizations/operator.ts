import type { Db } from '../../storage/database.js';
import { afterCreated, createdKey, createdMicros } from '../created-order.js';
import { pageOf, type Page } from '../cursor.js';
import type { OrganizationStatus } from '../../storage/schema.js';
import { enqueueMail } from '../../notify/outbox.js';
import { emitEvent } from '../account-events.js';
import { operatorAudit, recordAudit, type AdminClient, type Operator, type StaffMember } from '../audit.js';
import { inTransaction } from '../transaction.js';
import { addMember } from './members.js';

/*
 * What operators see and decide of organisations (the CLI, later the admin API). They see the
 * Tax ID as its last four digits like everyone else. Approving a pending organisation makes the
 * person who asked for it its first administrator; approving or rejecting mails that person in
 * their kept language. Deciding is one conditional UPDATE from `pending`: of two operators
 * deciding at once, one does it and the other is told what the first decided.
 */

export type OperatorActor = string | Operator | AdminClient | StaffMember;

export const ORGANIZATION_STATUSES: readonly OrganizationStatus[] = ['pending', 'approved', 'rejected', 'suspended'];
export const isOrganizationStatus = (value: unknown): value is OrganizationStatus => ORGANIZATION_STATUSES.includes(value as OrganizationStatus);

export interface OrganizationSummary {
  id: string;
  legalName: string;
  taxIdLast4: string;
  /** The requester's account type when they asked: provider, employer, ... */
  kind: string;
  status: OrganizationStatus;
  createdAt: Date;
}

export interface OrganizationDetail extends OrganizationSummary {
  address: string;
  phone: string;
  createdBy: string;
  decidedBy: string | null;
  decidedAt: Date | null;
  reason: string | null;
  requester?: { accountId: string; username: string; email: string };
  members: number;
  pendingJoinRequests: number;
}

const summary = (r: { id: string; legal_name: string; tax_id_last4: string; kind: string; status: OrganizationStatus; created_at: Date }): OrganizationSummary => ({
  id: r.id,
  legalName: r.legal_name,
  taxIdLast4: r.tax_id_last4,
  kind: r.kind,
  status: r.status,
  createdAt: new Date(r.created_at),
});

/** Organisations, oldest first (the queue of requests to decide), optionally of one status. */
export async function listOrganizations(db: Db, status?: OrganizationStatus, limit = 500): Promise<OrganizationSummary[]> {
  let query = db.selectFrom('organizations').select(['id', 'legal_name', 'tax_id_last4', 'kind', 'status', 'created_at']);
  if (status) query = query.where('status', '=', status);
  return (await query.orderBy('created_at').orderBy('id').limit(limit).execute()).map(summary);
}

/** In a page: also who asked for it (their username, while their ID exists). */
export interface OrganizationRow extends OrganizationSummary {
  requester: string | null;
}

/**
 * Organisations a page at a time, oldest first (the queue of requests, in the order they came),
 * optionally of one status; the cursor is the last row's key, so a decision between pages
 * neither repeats nor skips a request. Throws InvalidCursor.
 */
export async function pageOrganizations(db: Db, query: { status?: OrganizationStatus; limit: number; cursor?: string }): Promise<Page<OrganizationRow>> {
  let select = db
    .selectFrom('organizations')
    .select(['id', 'legal_name', 'tax_id_last4', 'kind', 'status', 'created_at', createdMicros])
    .select((eb) =>
      eb
        .selectFrom('organization_requests')
        .innerJoin('accounts', 'accounts.id', 'organization_requests.account_id')
        .select('accounts.username')
        .whereRef('organization_requests.organization_id', '=', 'organizations.id')
        .where('organization_requests.kind', '=', 'register')
        .orderBy('organization_requests.created_at')
        .limit(1)
        .as('requester'),
    );
  if (query.status) select = select.where('status', '=', query.status);
  if (query.cursor) select = select.where(afterCreated(query.cursor, 'asc'));
  const rows = await select.orderBy('organizations.created_at').orderBy('organizations.id').limit(query.limit + 1).execute();
  return pageOf(rows, query.limit, createdKey, (row) => ({ ...summary(row), requester: row.requester ?? null }));
}

export async function showOrganization(db: Db, id: string): Promise<OrganizationDetail | undefined> {
  const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const requester = await db
    .selectFrom('organization_requests')
    .innerJoin('accounts', 'accounts.id', 'organization_requests.account_id')
    .select(['accounts.id', 'accounts.username', 'accounts.email'])
    .where('organization_requests.organization_id', '=', id)
    .where('organization_requests.kind', '=', 'register')
    .orderBy('organization_requests.created_at')
    .executeTakeFirst();
  const count = (rows: { n: string }) => Number(rows.n);
  const members = db.selectFrom('memberships').select((eb) => eb.fn.countAll<string>().as('n')).where('organization_id', '=', id);
  const joinRequests = db
    .selectFrom('organization_requests')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organization_id', '=', id)
    .where('kind', '=', 'join')
    .where('status', '=', 'pending');
  return {
    ...summary(row),
    address: row.address,
    phone: row.phone,
    createdBy: row.created_by,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at && new Date(row.decided_at),
    reason: row.reason,
    ...(requester ? { requester: { accountId: requester.id, username: requester.username, email: requester.email } } : {}),
    members: count(await members.executeTakeFirstOrThrow()),
    pendingJoinRequests: count(await joinRequests.executeTakeFirstOrThrow()),
  };
}

export type Decision = { ok: true; requesterId?: string } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'decided'; status: OrganizationStatus };

/** Approves or rejects a pending organisation; the reason is the rejection's, shown to the requester. */
export function decideOrganization(db: Db, id: string, approve: boolean, operator: OperatorActor, reason?: string): Promise<Decision> {
  return inTransaction(db, async (trx) => {
    const { actor, details, clientId } = operatorAudit(operator);
    const now = new Date();
    const org = await trx
      .updateTable('organizations')
      .set({ status: approve ? 'approved' : 'rejected', decided_by: actor, decided_at: now, reason: approve ? null : (reason ?? null) })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returning(['legal_name', 'tax_id_last4'])
      .executeTakeFirst();
    if (!org) {
      const current = await trx.selectFrom('organizations').select('status').where('id', '=', id).executeTakeFirst();
      return current ? { ok: false, reason: 'decided', status: current.status } : { ok: false, reason: 'not_found' };
    }
    const request = await trx
      .updateTable('organization_requests')
      .set({ status: approve ? 'approved' : 'declined', decided_by: actor, decided_at: now, reason: approve ? null : (reason ?? null) })
      .where('organization_id', '=', id)
      .where('kind', '=', 'register')
      .where('status', '=', 'pending')
      .returning('account_id')
      .executeTakeFirst();
    // Nobody can join an organisation that will not exist.
    if (!approve) await trx.updateTable('organization_requests').set({ status: 'declined', decided_by: actor, decided_at: now }).where('organization_id', '=', id).where('status', '=', 'pending').execute();
    const requester = request && (await trx.selectFrom('accounts').select(['id', 'email', 'given_name']).where('id', '=', request.account_id).executeTakeFirst());
    if (requester && approve) await addMember(trx, id, requester.id, 'admin', actor);
    await recordAudit(trx, {
      action: approve ? 'operator.org_approve' : 'operator.org_reject',
      actor,
      clientId,
      accountId: requester?.id ?? null,
      details: { ...details, organization_id: id, tax_id_last4: org.tax_id_last4, ...(approve ? {} : { reason: reason ?? null }) },
    });
    if (requester) {
      await enqueueMail(trx, {
        to: requester.email,
        template: approve ? 'org-approved' : 'org-rejected',
        accountId: requester.id,
        language: 'account',
        data: { givenName: requester.given_name, orgName: org.legal_name, last4: org.tax_id_last4, reason: reason ?? '' },
      });
    }
    return { ok: true, ...(requester ? { requesterId: requester.id } : {}) };
  });
}

export type StatusChange = { ok: true } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'wrong_status'; status: OrganizationStatus };

/**
 * Suspends an approved organisation (with the reason, kept on it and in the audit event) or
 * reinstates a suspended one. Its members keep their memberships, but while it is suspended the
 * organizations claim leaves it out and its administrators can do nothing with it (every
 * administrator action checks the organisation is approved). The status change NOTIFYs its
 * members' cached accounts (migration 0034's trigger), and subscribed portals are told per
 * member (organisation.suspended, organisation.reinstated). One conditional UPDATE: of two operators
 * at once, one changes it and the other is told its status.
 */
export function suspendOrganization(db: Db, id: string, suspend: boolean, operator: OperatorActor, reason?: string): Promise<StatusChange> {
  return inTransaction(db, async (trx) => {
    const { actor, details, clientId } = operatorAudit(operator);
    const org = await trx
      .updateTable('organizations')
      .set({ status: suspend ? 'suspended' : 'approved', reason: suspend ? (reason ?? null) : null })
      .where('id', '=', id)
      .where('status', '=', suspend ? 'approved' : 'suspended')
      .returning('tax_id_last4')
      .executeTakeFirst();
    if (!org) {
      const current = await trx.selectFrom('organizations').select('status').where('id', '=', id).executeTakeFirst();
      return current ? { ok: false, reason: 'wrong_status', status: current.status } : { ok: false, reason: 'not_found' };
    }
    // Portals hear it per member, as of a membership change: the member's claim changed.
    const members = await trx.selectFrom('memberships').select('account_id').where('organization_id', '=', id).orderBy('account_id').execute();
    for (const m of members) await emitEvent(trx, suspend ? 'organisation.suspended' : 'organisation.reinstated', m.account_id);
    await recordAudit(trx, {
      action: suspend ? 'operator.org_suspend' : 'operator.org_reinstate',
      actor,
      clientId,
      accountId: null,
      details: { ...details, organization_id: id, tax_id_last4: org.tax_id_last4, ...(suspend ? { reason: reason ?? null } : {}) },
    });
    return { ok: true };
  });
}
