import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { OrganizationsPolicy } from '../../config/policy-organizations.js';
import { enqueueMail } from '../../notify/outbox.js';
import type { Db } from '../../storage/database.js';
import type { Account, OrgInvitationStatus } from '../../storage/schema.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { codeHmacKey, keyedHash, randomToken } from '../keyed-hash.js';
import { inTransaction } from '../transaction.js';
import { mayInvite } from './limits.js';
import { addMember, administers } from './members.js';
import { isOrgRole, type OrgRole } from './roles.js';

/*
 * An administrator invites a person by email into their organisation, with a role. The link's
 * token is random; the table keeps only its keyed hash, single use. Resending replaces the
 * hash in one conditional UPDATE (from pending, in the organisation), so the old link stops
 * working at the commit; cancelling is one conditional UPDATE from pending. Row locks order two
 * administrators acting at once: a resend then a cancel leaves no working link, a cancel then a
 * resend finds nothing to resend, two resends leave the later link only. Exactly one or none.
 * An invitation past its expiry still says pending in the table; it reads as expired.
 */

export const invitationLink = (issuer: string, token: string) => `${issuer}/org/invitation?token=${token}`;

/** The pending list shows the invitations of this many last days. */
export const LISTED_DAYS = 7;

const hashOf = async (db: Db, token: string) => keyedHash(await codeHmacKey(db), 'org-invitation', token);
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** An address an invitation can go to; the pages check it too, to answer beside the field. */
export const isInvitableEmail = (address: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address) && address.length <= 254;

type Refused = { ok: false; reason: 'forbidden' | 'not_found' | 'limited' | 'invalid' };

interface Sender {
  issuer: string;
  policy: OrganizationsPolicy;
  admin: Pick<Account, 'id' | 'given_name' | 'family_name'>;
}

async function sendMail(trx: Db, sender: Sender, to: string, orgName: string, token: string): Promise<void> {
  const inviterName = `${sender.admin.given_name} ${sender.admin.family_name}`.trim();
  const hours = sender.policy.invitation_ttl_hours;
  await enqueueMail(trx, { to, template: 'org-invitation', data: { orgName, inviterName, link: invitationLink(sender.issuer, token), hours } });
}

const expiry = (policy: OrganizationsPolicy, now: Date) => new Date(now.getTime() + policy.invitation_ttl_hours * 3600_000);
const orgName = async (trx: Db, id: string) => (await trx.selectFrom('organizations').select('legal_name').where('id', '=', id).executeTakeFirstOrThrow()).legal_name;

/** Invites `email` into the organisation with `role`, and mails the link. */
export function invite(db: Db, sender: Sender, organizationId: string, email: string, role: string, origin: AuditOrigin = {}): Promise<{ ok: true; id: string } | Refused> {
  return inTransaction(db, async (trx) => {
    if (!(await administers(trx, organizationId, sender.admin.id))) return { ok: false, reason: 'forbidden' };
    const address = email.trim();
    if (!isOrgRole(role) || !isInvitableEmail(address)) return { ok: false, reason: 'invalid' };
    if (!(await mayInvite(trx, sender.policy, sender.admin.id))) return { ok: false, reason: 'limited' };
    const token = randomToken();
    const now = new Date();
    const id = randomUUID();
    await trx
      .insertInto('org_invitations')
      .values({ id, organization_id: organizationId, email: address, role, inviter_account_id: sender.admin.id, token_hash: await hashOf(trx, token), sent_at: now, expires_at: expiry(sender.policy, now) })
      .execute();
    await sendMail(trx, sender, address, await orgName(trx, organizationId), token);
    await recordAudit(trx, { action: 'organization.invitation_sent', actor: `account:${sender.admin.id}`, ...origin, details: { organization_id: organizationId, invitation_id: id, role } });
    return { ok: true, id };
  });
}

/** A new link for a pending invitation (expired ones too); the old link dies. */
export function resend(db: Db, sender: Sender, organizationId: string, invitationId: string, origin: AuditOrigin = {}): Promise<{ ok: true } | Refused> {
  return inTransaction(db, async (trx) => {
    if (!(await administers(trx, organizationId, sender.admin.id))) return { ok: false, reason: 'forbidden' };
    if (!(await mayInvite(trx, sender.policy, sender.admin.id))) return { ok: false, reason: 'limited' };
    const token = randomToken();
    const now = new Date();
    const row = await trx
      .updateTable('org_invitations')
      .set({ token_hash: await hashOf(trx, token), sent_at: now, expires_at: expiry(sender.policy, now), inviter_account_id: sender.admin.id })
      .where('id', '=', invitationId)
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'pending')
      .returning('email')
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'not_found' };
    await sendMail(trx, sender, row.email, await orgName(trx, organizationId), token);
    await recordAudit(trx, { action: 'organization.invitation_resent', actor: `account:${sender.admin.id}`, ...origin, details: { organization_id: organizationId, invitation_id: invitationId } });
    return { ok: true };
  });
}

export function cancel(db: Db, adminId: string, organizationId: string, invitationId: string, origin: AuditOrigin = {}): Promise<{ ok: true } | Refused> {
  return inTransaction(db, async (trx) => {
    if (!(await administers(trx, organizationId, adminId))) return { ok: false, reason: 'forbidden' };
    const row = await trx
      .updateTable('org_invitations')
      .set({ status: 'cancelled' })
      .where('id', '=', invitationId)
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'pending')
      .returning('id')
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'not_found' };
    await recordAudit(trx, { action: 'organization.invitation_cancelled', actor: `account:${adminId}`, ...origin, details: { organization_id: organizationId, invitation_id: invitationId } });
    return { ok: true };
  });
}

export interface InvitationView {
  id: string;
  email: string;
  role: string;
  status: OrgInvitationStatus;
  sentAt: Date;
  expiresAt: Date;
}

const statusAt = (status: OrgInvitationStatus, expiresAt: Date, now: Date): OrgInvitationStatus => (status === 'pending' && expiresAt <= now ? 'expired' : status);

/** The invitations of the last LISTED_DAYS days, newest first, for an administrator; undefined for anyone else. */
export async function listInvitations(db: Db, adminId: string, organizationId: string, now = new Date()): Promise<InvitationView[] | undefined> {
  if (!(await administers(db, organizationId, adminId))) return undefined;
  const rows = await db
    .selectFrom('org_invitations')
    .select(['id', 'email', 'role', 'status', 'sent_at', 'expires_at'])
    .where('organization_id', '=', organizationId)
    .where('sent_at', '>', new Date(now.getTime() - LISTED_DAYS * 86_400_000))
    .orderBy('sent_at', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, email: r.email, role: r.role, status: statusAt(r.status, new Date(r.expires_at), now), sentAt: new Date(r.sent_at), expiresAt: new Date(r.expires_at) }));
}

export interface InvitationLinkView {
  status: OrgInvitationStatus;
  organizationName: string;
  inviterName: string;
  email: string;
  role: string;
}

/** What the link's page shows; undefined for a token no invitation holds (never sent, or replaced by a resend). */
export async function findInvitation(db: Db, token: string | undefined, now = new Date()): Promise<InvitationLinkView | undefined> {
  if (!token || !TOKEN.test(token)) return undefined;
  const row = await db
    .selectFrom('org_invitations')
    .innerJoin('organizations', 'organizations.id', 'org_invitations.organization_id')
    .leftJoin('accounts', 'accounts.id', 'org_invitations.inviter_account_id')
    .select(['org_invitations.status', 'org_invitations.expires_at', 'org_invitations.email', 'org_invitations.role', 'organizations.legal_name', 'accounts.given_name', 'accounts.family_name'])
    .where('org_invitations.token_hash', '=', await hashOf(db, token))
    .where('organizations.status', '=', 'approved')
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    status: statusAt(row.status, new Date(row.expires_at), now),
    organizationName: row.legal_name,
    inviterName: `${row.given_name ?? ''} ${row.family_name ?? ''}`.trim(),
    email: row.email,
    role: row.role,
  };
}

/** The signed-in person joins through the link, once; a link not pending (or expired) is refused with its status. */
export function acceptInvitation(db: Db, token: string, account: Pick<Account, 'id'>, origin: AuditOrigin = {}): Promise<{ ok: true; organizationId: string } | { ok: false; reason: OrgInvitationStatus | 'not_found' }> {
  return inTransaction(db, async (trx) => {
    if (!TOKEN.test(token)) return { ok: false, reason: 'not_found' };
    const hash = await hashOf(trx, token);
    const row = await trx
      .updateTable('org_invitations')
      .set({ status: 'accepted', accepted_by: account.id })
      .where('token_hash', '=', hash)
      .where('status', '=', 'pending')
      .where('expires_at', '>', sql<Date>`now()`)
      .where((eb) => eb.exists(eb.selectFrom('organizations').select('id').whereRef('organizations.id', '=', 'org_invitations.organization_id').where('organizations.status', '=', 'approved')))
      .returning(['id', 'organization_id', 'role'])
      .executeTakeFirst();
    if (!row) {
      const seen = await trx.selectFrom('org_invitations').select(['status', 'expires_at']).where('token_hash', '=', hash).executeTakeFirst();
      return { ok: false, reason: seen ? statusAt(seen.status, new Date(seen.expires_at), new Date()) : 'not_found' };
    }
    const added = await addMember(trx, row.organization_id, account.id, row.role as OrgRole, `account:${account.id}`);
    await recordAudit(trx, { action: 'organization.invitation_accepted', actor: `account:${account.id}`, accountId: account.id, ...origin, details: { organization_id: row.organization_id, invitation_id: row.id, role: row.role, already_member: !added } });
    return { ok: true, organizationId: row.organization_id };
  });
}
