import type { Account } from '../../storage/schema.js';
import type { AuditOrigin } from '../audit.js';
import type { OrganizationFields } from '../organizations/fields.js';
import { acceptInvitation, cancel, findInvitation, invite, listInvitations, resend } from '../organizations/invitations.js';
import { joinByLink } from '../organizations/invitation-link.js';
import { administers, changeRole, listMembers, organizationsOf, removeMember } from '../organizations/members.js';
import { mailPasswordReset } from '../organizations/password-reset.js';
import { decideOrganization, listOrganizations, pageOrganizations, showOrganization, suspendOrganization, type OperatorActor } from '../organizations/operator.js';
import { decideJoinRequest, pendingJoinRequests, pendingRequestsOf, requestOrganization } from '../organizations/requests.js';
import type { OrgRole } from '../organizations/roles.js';
import type { OrganizationStatus } from '../../storage/schema.js';
import type { IdentityEnv } from './env.js';

type Admin = Pick<Account, 'id' | 'given_name' | 'family_name'>;

/**
 * Organisations: a person's requests to register or join one by Tax ID, what its
 * administrators do with its people and invitations, and what operators decide. Each call that
 * acts for an administrator checks, in its own transaction, that they administer that
 * organisation: an id of another organisation is refused as if it did not exist.
 */
export function organizationsService(env: IdentityEnv) {
  const { db, policy, issuer } = env;
  const sender = (admin: Admin) => ({ issuer, policy: policy.organizations, admin });
  return {
    request: (requester: Account, fields: OrganizationFields, origin?: AuditOrigin) => requestOrganization(db, policy.organizations, requester, fields, origin),
    /** The approved organisations the person belongs to, with their roles. */
    of: (accountId: string) => organizationsOf(db, accountId),
    /** The person's own requests still waiting. */
    pendingOf: (accountId: string) => pendingRequestsOf(db, accountId),
    administers: (organizationId: string, accountId: string) => administers(db, organizationId, accountId),
    members: async (adminId: string, organizationId: string, search?: string) => ((await administers(db, organizationId, adminId)) ? listMembers(db, organizationId, search) : undefined),
    changeRole: (adminId: string, organizationId: string, memberId: string, role: OrgRole, origin?: AuditOrigin) => changeRole(db, adminId, organizationId, memberId, role, origin),
    removeMember: (adminId: string, organizationId: string, memberId: string, origin?: AuditOrigin) => removeMember(db, adminId, organizationId, memberId, origin),
    /** Mails the member the way to their own forgot-password page (organizations/password-reset.ts). */
    passwordReset: (admin: Admin, organizationId: string, memberId: string, origin?: AuditOrigin) => mailPasswordReset(db, policy, issuer, admin, organizationId, memberId, origin),
    joinRequests: (adminId: string, organizationId: string) => pendingJoinRequests(db, adminId, organizationId),
    decideJoin: (adminId: string, organizationId: string, requestId: string, approve: boolean, origin?: AuditOrigin) => decideJoinRequest(db, adminId, organizationId, requestId, approve, origin),
    invite: (admin: Admin, organizationId: string, email: string, role: string, origin?: AuditOrigin) => invite(db, sender(admin), organizationId, email, role, origin),
    resendInvitation: (admin: Admin, organizationId: string, invitationId: string, origin?: AuditOrigin) => resend(db, sender(admin), organizationId, invitationId, origin),
    cancelInvitation: (adminId: string, organizationId: string, invitationId: string, origin?: AuditOrigin) => cancel(db, adminId, organizationId, invitationId, origin),
    invitations: (adminId: string, organizationId: string) => listInvitations(db, adminId, organizationId),
    findInvitation: (token: string | undefined) => findInvitation(db, token),
    acceptInvitation: (token: string, account: Pick<Account, 'id'>, origin?: AuditOrigin) => acceptInvitation(db, token, account, origin),
    /** The link's page: the signed-in ID joins, if its verified address is the invited one (invitation-link.ts). */
    joinByLink: (token: string, account: Account, origin?: AuditOrigin) => joinByLink(db, token, account, origin),
    list: (status?: OrganizationStatus) => listOrganizations(db, status),
    /** A page of them, oldest first; throws InvalidCursor. */
    page: (query: { status?: OrganizationStatus; limit: number; cursor?: string }) => pageOrganizations(db, query),
    show: (id: string) => showOrganization(db, id),
    decide: (id: string, approve: boolean, operator: OperatorActor, reason?: string) => decideOrganization(db, id, approve, operator, reason),
    /** Suspends an approved organisation (true, with a reason) or reinstates a suspended one (false). */
    suspend: (id: string, suspend: boolean, operator: OperatorActor, reason?: string) => suspendOrganization(db, id, suspend, operator, reason),
  };
}

export type OrganizationsService = ReturnType<typeof organizationsService>;
