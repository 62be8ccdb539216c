import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import { recordAudit } from '../../src/identity/audit.js';
import { erasedPseudonym } from '../../src/identity/erase-account.js';
import { portalOrigin, usePortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';

/*
 * Deleting an ID (`portico users delete`, DELETE /admin/api/v1/users/{id}): the person can no
 * longer sign in, their tokens are dead, no row of any table names them, and their audit
 * events remain under a pseudonym.
 */

const admin = { id: 'ops-admin', secret: 'ops-admin-secret-0123456789abcdef' };

let portico: TestPortico;
let db: TestPortico['server']['database']['db'];
usePortico(
  (p, d) => {
    portico = p;
    db = d;
  },
  { extraClients: [{ client_id: admin.id, client_name: 'Ops tool', client_secret: admin.secret, grant_types: ['client_credentials'], admin_scopes: ['admin:users:write'] }] },
);

/** Names no other row can contain by chance (createUser's are prefixes of one another). */
function person() {
  const tag = randomBytes(6).toString('hex');
  return { username: `erase${tag}`, email: `erase.${tag}@example.com`, withAnswers: true };
}

async function cli(args: string[]) {
  const text = { out: [] as string[], err: [] as string[] };
  const code = await runCommand(args, {
    out: (line) => void text.out.push(line),
    err: (line) => void text.err.push(line),
    config: portico.config,
    db: async () => db,
    operator: 'test-operator',
    portals: portico.server.portals,
  });
  return { code, ...text };
}

/** With Redis as the protocol store: its keys whose name or payload mentions the account. */
async function redisMentioning(accountId: string): Promise<string[]> {
  const redis = portico.server.redis;
  if (!redis) return [];
  const found: string[] = [];
  for (const key of await redis.keys('portico:oidc:*')) {
    const payload = (await redis.type(key)) === 'hash' ? await redis.hget(key, 'payload') : null;
    if (key.includes(accountId) || payload?.includes(accountId)) found.push(key.replace(/:[^:]+$/, ''));
  }
  return found;
}

/** Every table's rows whose text mentions one of `needles`, by table. */
async function rowsMentioning(needles: string[]): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  const found: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const conditions = sql.join(needles.map((n) => sql`position(${n.toLowerCase()} in lower(t::text)) > 0`), sql` or `);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)} t where ${conditions}`.execute(db);
    if (rows[0]!.n > 0) found[name] = rows[0]!.n;
  }
  return found;
}

async function signedIn(user: { username: string; password: string }) {
  const rp = await RelyingParty.discover(portico.url);
  const { tokens } = await rp.signIn(user.username, user.password);
  return { rp, tokens };
}

async function cannotSignIn(user: { username: string; password: string }) {
  const rp = await RelyingParty.discover(portico.url);
  const request = await rp.authorizationRequest();
  const page = await rp.submitSignIn(await rp.browser.follow(request.url), user.username, user.password);
  expect(page.url.startsWith(portalOrigin)).toBe(false);
}

describe('deleting an ID', () => {
  it('refuses without --yes in one line and changes nothing', async () => {
    const user = await portico.createUser(person());
    const refused = await cli(['users', 'delete', user.username]);
    expect(refused.code).toBe(2);
    expect(refused.err).toEqual([expect.stringContaining('--yes')]);
    expect(await db.selectFrom('accounts').select('id').where('id', '=', user.id).executeTakeFirst()).toEqual({ id: user.id });
    expect(await db.selectFrom('security_answers').select('account_id').where('account_id', '=', user.id).execute()).toHaveLength(2);
  });

  it('removes every row about the person, kills their tokens and keeps their audit events under a pseudonym', async () => {
    const user = await portico.createUser(person());
    const { rp, tokens } = await signedIn(user);
    expect(tokens.refresh_token).toBeDefined();
    // What investigations search: events naming the account, its username and its email.
    await recordAudit(db, { action: 'test.details', actor: `account:${user.id}`, accountId: user.id, details: { login: user.username.toUpperCase(), email: user.email, note: `about ${user.id}` } });
    await recordAudit(db, { action: 'sign_in.failed', actor: 'anonymous', details: { login: user.username } });
    await db.insertInto('mail_outbox').values({ id: randomBytes(8).toString('hex'), to_address: user.email, template: 'test', subject: 'Hello', text_body: `Hello ${user.username}`, html_body: '', message_id: randomBytes(8).toString('hex') }).execute();
    const before = await db.selectFrom('audit_events').select('id').where('account_id', '=', user.id).execute();
    expect(before.length).toBeGreaterThan(1);
    expect(Object.keys(await rowsMentioning([user.id, user.username, user.email]))).toEqual(expect.arrayContaining(['accounts', 'audit_events', 'security_answers', 'trusted_devices', 'mail_outbox']));

    if (portico.server.redis) expect(await redisMentioning(user.id)).toEqual(expect.arrayContaining(['portico:oidc:Session', 'portico:oidc:Grant', 'portico:oidc:RefreshToken', 'portico:oidc:account']));

    const done = await cli(['users', 'delete', user.username, '--yes']);
    expect(done).toMatchObject({ code: 0, err: [] });
    const pseudonym = await erasedPseudonym(db, user.id);
    expect(done.out).toEqual([`deleted ${user.username}; its audit events now name ${pseudonym}`]);

    expect(await rowsMentioning([user.id, user.username, user.email])).toEqual({ webhook_outbox: 1 });
    // ...which is the event telling portals of the deletion, by the subject they know.
    expect(await db.selectFrom('webhook_outbox').select(['event_type', 'subject']).where('subject', '=', user.id).execute()).toEqual([{ event_type: 'account.deleted', subject: user.id }]);
    expect(await redisMentioning(user.id)).toEqual([]);
    const kept = await db.selectFrom('audit_events').selectAll().where('account_id', '=', pseudonym).execute();
    expect(kept.length).toBe(before.length + 1);
    expect(kept.find((e) => e.action === 'operator.delete')).toMatchObject({ actor: 'operator:test-operator' });
    expect(kept.find((e) => e.action === 'test.details')).toMatchObject({ actor: `account:${pseudonym}`, details: { login: pseudonym, email: pseudonym, note: `about ${pseudonym}` } });
    expect(await db.selectFrom('audit_events').select('details').where('action', '=', 'sign_in.failed').where(sql<boolean>`details->>'login' = ${pseudonym}`).execute()).toHaveLength(1);

    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await oidc.tokenIntrospection(rp.config, tokens.refresh_token!)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(rp.config, tokens.access_token)).toEqual({ active: false });
    await cannotSignIn(user);
  });

  it('deletes by the admin API, and answers 404 for an unknown id', async () => {
    const token = await fetch(`${portico.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${admin.id}:${admin.secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin:users:write' }),
    }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
    const remove = (id: string, key?: string) => fetch(`${portico.url}/admin/api/v1/users/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) } });

    const unknown = await remove('no-such-id');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await unknown.json()).toMatchObject({ type: 'urn:portico:admin-api:problem:not-found' });

    const user = await portico.createUser(person());
    await signedIn(user);
    const deleted = await remove(user.id, 'delete-once');
    expect(deleted.status).toBe(200);
    const pseudonym = await erasedPseudonym(db, user.id);
    expect(await deleted.json()).toEqual({ deleted: true, pseudonym });
    // A retry with the same key answers the same; without one, the ID is gone.
    const replay = await remove(user.id, 'delete-once');
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ deleted: true, pseudonym });
    expect((await remove(user.id)).status).toBe(404);
    expect(await rowsMentioning([user.id, user.username, user.email])).toEqual({ webhook_outbox: 1 });
    // ...which is the event telling portals of the deletion, by the subject they know.
    expect(await db.selectFrom('webhook_outbox').select(['event_type', 'subject']).where('subject', '=', user.id).execute()).toEqual([{ event_type: 'account.deleted', subject: user.id }]);
    expect(await db.selectFrom('audit_events').select(['actor', 'client_id']).where('account_id', '=', pseudonym).where('action', '=', 'operator.delete').execute()).toEqual([{ actor: `client:${admin.id}`, client_id: admin.id }]);
    await cannotSignIn(user);
  });
});
