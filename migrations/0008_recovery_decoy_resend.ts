import type { Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
export async function up(db: Kysely<unknown>): Promise<void> {
  // When a "Forgot password" flow with no ID behind it last pretended to send a code, so that
  // "Send a new code" is throttled exactly as for a real ID (an unthrottled resend would tell
  // an unknown username from a known one).
  await db.schema.alterTable('recovery_flows').addColumn('decoy_code_sent_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('recovery_flows').dropColumn('decoy_code_sent_at').execute();
}
