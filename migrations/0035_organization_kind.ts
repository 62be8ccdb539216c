import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * An organisation's kind: the account type of the person who asked for it (provider, employer,
 * ... as the policy declares them), so a portal can be limited to organisations of some kinds
 * (organization_types in the clients file). Organisations made before this column take their
 * requester's type; one whose requester's ID is gone takes "provider", the kind the seed
 * portals register most.
 *
 * The kind is part of what token requests cache per account (identity/account-cache.ts): the
 * trigger of 0034 is replaced by one that also watches it. Every statement is guarded, so a
 * re-run is harmless.
 */
const FALLBACK_KIND = 'provider';

async function watch(db: Kysely<unknown>, columns: string): Promise<void> {
  await sql`drop trigger if exists organizations_changed on organizations`.execute(db);
  await sql`
    create trigger organizations_changed after update on organizations for each row
    when (row(${sql.raw(columns.replace(/\$/g, 'old'))}) is distinct from row(${sql.raw(columns.replace(/\$/g, 'new'))}))
    execute function portico_organization_changed()`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table organizations add column if not exists kind text`.execute(db);
  await sql`
    update organizations o set kind = coalesce(
      (select a.account_type from accounts a where 'account:' || a.id = o.created_by),
      ${FALLBACK_KIND})
    where o.kind is null`.execute(db);
  await sql`alter table organizations alter column kind set not null`.execute(db);
  await watch(db, '$.legal_name, $.status, $.kind');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await watch(db, '$.legal_name, $.status');
  await sql`alter table organizations drop column if exists kind`.execute(db);
}
