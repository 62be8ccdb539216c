import { sql, type Kysely } from 'kysely';

// Landed migrations are immutable: change the schema with a new numbered file.
/*
 * Organisations registered by Tax ID, their members, the requests to register or join one, and
 * the invitations their administrators send. The Tax ID is kept twice and never in clear: a
 * keyed hash (the unique index that settles two requests for one Tax ID, whatever their timing)
 * and the value sealed with the keys-encryption key (identity/organizations/tax-id.ts); the last
 * four digits are all pages, mails and logs ever show.
 *
 * Memberships are part of the token (the `organizations` claim), which each process caches per
 * account (identity/account-cache.ts): a change to a membership, or to an organisation's name
 * or status, NOTIFYs the accounts concerned on the channel of migrations 0009 and 0028.
 * Every statement is guarded (`if not exists`, `or replace`, drop-then-create), so a re-run is harmless.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('legal_name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('tax_id_hash', 'text', (c) => c.notNull().unique())
    .addColumn('tax_id_sealed', 'text', (c) => c.notNull())
    .addColumn('tax_id_last4', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'approved', 'rejected', 'suspended')`))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('organizations_status').ifNotExists().on('organizations').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('memberships')
    .ifNotExists()
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    // Space-separated role names (identity/organizations/roles.ts).
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pkey', ['account_id', 'organization_id'])
    .execute();
  await db.schema.createIndex('memberships_organization').ifNotExists().on('memberships').column('organization_id').execute();

  await db.schema
    .createTable('organization_requests')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('register', 'join')`))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'approved', 'declined')`))
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'timestamptz')
    .execute();
  // One pending request per person and organisation: a second ask finds the first.
  await sql`create unique index if not exists organization_requests_pending on organization_requests (account_id, organization_id) where status = 'pending'`.execute(db);
  await db.schema.createIndex('organization_requests_organization').ifNotExists().on('organization_requests').columns(['organization_id', 'status']).execute();

  await db.schema
    .createTable('org_invitations')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('inviter_account_id', 'text', (c) => c.references('accounts.id').onDelete('set null'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'accepted', 'expired', 'cancelled')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_by', 'text')
    .execute();
  await db.schema.createIndex('org_invitations_organization').ifNotExists().on('org_invitations').columns(['organization_id', 'created_at']).execute();
  await db.schema.createIndex('org_invitations_inviter').ifNotExists().on('org_invitations').columns(['inviter_account_id', 'sent_at']).execute();

  await sql`
    create or replace function portico_membership_changed() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        perform pg_notify('portico_account_changed', old.account_id);
      else
        perform pg_notify('portico_account_changed', new.account_id);
        if tg_op = 'UPDATE' and old.account_id <> new.account_id then
          perform pg_notify('portico_account_changed', old.account_id);
        end if;
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`drop trigger if exists memberships_changed on memberships`.execute(db);
  await sql`create trigger memberships_changed after insert or update or delete on memberships for each row execute function portico_membership_changed()`.execute(db);

  await sql`
    create or replace function portico_organization_changed() returns trigger language plpgsql as $$
    declare
      member text;
    begin
      for member in select account_id from memberships where organization_id = new.id loop
        perform pg_notify('portico_account_changed', member);
      end loop;
      return null;
    end
    $$`.execute(db);
  await sql`drop trigger if exists organizations_changed on organizations`.execute(db);
  await sql`
    create trigger organizations_changed after update on organizations for each row
    when (row(old.legal_name, old.status) is distinct from row(new.legal_name, new.status))
    execute function portico_organization_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('org_invitations').ifExists().execute();
  await db.schema.dropTable('organization_requests').ifExists().execute();
  await db.schema.dropTable('memberships').ifExists().execute();
  await db.schema.dropTable('organizations').ifExists().execute();
  await sql`drop function if exists portico_organization_changed()`.execute(db);
  await sql`drop function if exists portico_membership_changed()`.execute(db);
}
