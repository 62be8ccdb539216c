/*
 * The events Portico tells portals about (webhooks in the clients file). Names are part of the
 * contract with receivers: add new ones, never rename one.
 */

/** What happens to an ID. Each is emitted in the transaction of the change (identity/account-events.ts). */
export const ACCOUNT_EVENT_TYPES = [
  'account.created',
  'account.email_changed',
  'account.password_changed',
  'account.locked',
  'account.unlocked',
  'account.disabled',
  'account.enabled',
  'account.deleted',
] as const;

/**
 * Changes to what a member's organizations claim says, naming the member: their membership
 * (identity/organizations/members.ts), or their organisation suspended or reinstated, one event
 * per member (identity/organizations/operator.ts).
 */
export const MEMBERSHIP_EVENT_TYPES = ['organisation.member_added', 'organisation.member_removed', 'organisation.member_role_changed', 'organisation.suspended', 'organisation.reinstated'] as const;

export const WEBHOOK_EVENT_TYPES = [...ACCOUNT_EVENT_TYPES, ...MEMBERSHIP_EVENT_TYPES] as const;

export type AccountEventType = (typeof ACCOUNT_EVENT_TYPES)[number];
export type MembershipEventType = (typeof MEMBERSHIP_EVENT_TYPES)[number];
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
