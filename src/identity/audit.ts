import { auditEvents } from '../metrics/metrics.js';
import type { Db } from '../storage/database.js';

export interface AuditEvent {
  action: string;
  /** `account:<id>`, `operator:<name>`, `client:<admin client id>` or `anonymous`. */
  actor: string;
  accountId?: string | null;
  clientId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

/** Where a request came from: the request's part of an audit event. */
export type AuditOrigin = Pick<AuditEvent, 'ip' | 'userAgent' | 'clientId'>;

/** Writes one security-relevant event. Callers pass a transaction when the event belongs to a change. */
export async function recordAudit(db: Db, event: AuditEvent): Promise<void> {
  // Counted when written: an event whose transaction then rolls back is counted all the same.
  auditEvents.inc({ action: event.action });
  await db.insertInto('audit_events').values(auditRow(event)).execute();
}

/** The audit_events row an event is stored as (also written from inside one statement, account-events.ts). */
export function auditRow(event: AuditEvent) {
  return {
    action: event.action,
    actor: event.actor,
    account_id: event.accountId ?? null,
    client_id: event.clientId ?? null,
    ip: event.ip ?? null,
    user_agent: event.userAgent?.slice(0, 400) ?? null,
    details: JSON.stringify(event.details ?? {}),
  };
}

/** The newest event of one kind for an account (audit_events_account covers the lookup). */
export async function latestAudit(db: Db, accountId: string, action: string): Promise<{ at: Date; userAgent: string | null } | undefined> {
  const row = await db
    .selectFrom('audit_events')
    .select(['occurred_at', 'user_agent'])
    .where('account_id', '=', accountId)
    .where('action', '=', action)
    .orderBy('occurred_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { at: new Date(row.occurred_at), userAgent: row.user_agent };
}

/**
 * Who ran an operator command. `name` is what was verified (the OS user of the process, or the
 * server's own user for commands over its owner-only control socket); `claimed` is a name the
 * caller gave that nothing verified, recorded as such.
 */
export interface Operator {
  name: string;
  claimed?: string;
}

/** An admin client of the admin API, authenticated by its client_credentials token. */
export interface AdminClient {
  adminClient: string;
}

/** A staff member acting in the help-desk console: their own ID is the actor, and the reason they gave goes with the event. */
export interface StaffMember {
  staffAccount: string;
  reason?: string;
}

/** The actor, details and client an operator's audit event carries. */
export function operatorAudit(operator: string | Operator | AdminClient | StaffMember): { actor: string; details: Record<string, unknown>; clientId?: string } {
  if (typeof operator === 'object' && 'staffAccount' in operator) return { actor: `account:${operator.staffAccount}`, details: { via: 'console', ...(operator.reason === undefined ? {} : { reason: operator.reason }) } };
  if (typeof operator === 'object' && 'adminClient' in operator) return { actor: `client:${operator.adminClient}`, details: { via: 'admin_api' }, clientId: operator.adminClient };
  const { name, claimed } = typeof operator === 'string' ? { name: operator, claimed: undefined } : operator;
  return { actor: `operator:${name}`, details: claimed === undefined ? {} : { operator_claimed: claimed } };
}
