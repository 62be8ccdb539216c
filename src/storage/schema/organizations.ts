import type { ColumnType } from 'kysely';
import type { Timestamp, NullableTimestamp } from './columns.js';

/** Organisations registered by Tax ID, their members, requests and invitations. */

/** An organisation registered by Tax ID (migration 0034); the Tax ID only hashed, sealed and as its last 4 digits. */
export interface OrganizationsTable {
  id: string;
  legal_name: string;
  address: string;
  phone: string;
  tax_id_hash: string;
  tax_id_sealed: string;
  tax_id_last4: string;
  /** The requester's account type when they asked (migration 0035): what organization_types in the clients file filters on. */
  kind: string;
  status: ColumnType<OrganizationStatus, OrganizationStatus | undefined, OrganizationStatus>;
  created_by: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  reason: string | null;
}

export type OrganizationStatus = 'pending' | 'approved' | 'rejected' | 'suspended';

/** Who belongs to which organisation, in which roles (space-separated). */
export interface MembershipsTable {
  account_id: string;
  organization_id: string;
  roles: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  added_by: string;
}

export interface OrganizationRequestsTable {
  id: string;
  kind: 'register' | 'join';
  account_id: string;
  organization_id: string;
  status: ColumnType<'pending' | 'approved' | 'declined', 'pending' | 'approved' | 'declined' | undefined, 'pending' | 'approved' | 'declined'>;
  reason: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  decided_by: string | null;
  decided_at: NullableTimestamp;
}

export type OrgInvitationStatus = 'pending' | 'accepted' | 'expired' | 'cancelled';

/** An invitation to join an organisation; the link's token only as its keyed hash. */
export interface OrgInvitationsTable {
  id: string;
  organization_id: string;
  email: string;
  role: string;
  inviter_account_id: string | null;
  token_hash: string;
  status: ColumnType<OrgInvitationStatus, OrgInvitationStatus | undefined, OrgInvitationStatus>;
  created_at: ColumnType<Date, Date | undefined, never>;
  sent_at: Timestamp;
  expires_at: Timestamp;
  accepted_by: string | null;
}
