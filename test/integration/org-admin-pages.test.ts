import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import { organizationsService, type OrganizationsService } from '../../src/identity/services/organizations.js';
import type { Db } from '../../src/storage/database.js';
import { DEVICE_COOKIE, startPortico, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { TestSmtp } from '../support/smtp.js';
import { waitUntil } from '../support/wait.js';
import { hiddenInput, openSignedIn, type UserAgent } from '../support/user-agent.js';

/*
 * An organisation administrator's pages at /org: members listed and searched, roles changed,
 * members removed (never the last administrator), a password-reset mail; invitations sent,
 * listed for the last 7 days with their status, resent (the old link dies) and cancelled; join
 * requests decided. Someone who administers nothing gets 403; an administrator changing ids to
 * reach another organisation gets 404 and changes nothing.
 */

let smtp: TestSmtp;
let portico: TestPortico;
let db: Db;
let orgs: OrganizationsService;

beforeAll(async () => {
  smtp = await TestSmtp.start();
  portico = await startPortico({
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Portico <no-reply@portico.test>' },
    policy: { organizations: { invitations_per_admin_per_day: 6, join_requests_per_account_per_day: 30 }, second_step: { require_security_questions: false } },
  });
  db = portico.server.database.db;
  orgs = organizationsService({ db, hasher: new PasswordHasher(portico.config.policy.argon2), policy: portico.config.policy, issuer: portico.config.issuer, phone: undefined as never, portals: portico.server.portals });
});
afterAll(async () => {
  await portico?.stop();
  await smtp?.close();
});

type User = Awaited<ReturnType<TestPortico['createUser']>>;
type Page = Awaited<ReturnType<UserAgent['follow']>>;

let taxIds = 0;
const newTaxId = () => `12-${String(3_000_000 + (taxIds++ * 7919 + Date.now()) % 6_000_000).padStart(7, '0')}`;
const fields = (taxId: string, legalName: string) => ({ taxId, legalName, address: '12 Shore Rd, Duluth MN 55802', phone: '218-555-0100' });
const account = async (user: User) => (await findAccountById(db, user.id))!;

/** An approved organisation and its administrator (the requester), who can sign in. */
async function approvedOrganization(legalName = 'Lakeside Family Clinic'): Promise<{ admin: User; organizationId: string; taxId: string }> {
  const admin = await portico.createUser();
  const taxId = newTaxId();
  const requested = await orgs.request(await account(admin), fields(taxId, legalName));
  if (!requested.ok || requested.kind !== 'register') throw new Error(`request refused: ${JSON.stringify(requested)}`);
  expect(await orgs.decide(requested.organizationId, true, 'ops-test')).toMatchObject({ ok: true });
  return { admin, organizationId: requested.organizationId, taxId };
}

/** A new person who joined the organisation through an approved join request. */
async function joined(organizationId: string, taxId: string, admin: User): Promise<User> {
  const user = await portico.createUser();
  const asked = await orgs.request(await account(user), fields(taxId, 'whatever'));
  if (!asked.ok || asked.kind !== 'join') throw new Error('not a join request');
  expect(await orgs.decideJoin(admin.id, organizationId, asked.requestId, true)).toMatchObject({ ok: true });
  return user;
}

/** Signed in, on `path` (the sign-in itself comes back to the organisation's members). */
async function open(user: User, path: string) {
  const { agent, page } = await openSignedIn(portico.url, user, path, { cookie: DEVICE_COOKIE, token: TEST_DEVICE_TOKEN });
  return { agent, page: page.url === `${portico.url}${path}` ? page : await agent.follow(`${portico.url}${path}`) };
}
const post = (agent: UserAgent, page: Page, path: string, form: Record<string, string> = {}) => agent.follow(`${portico.url}${path}`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
const notice = (html: string | undefined) => /<div class="notice" role="status">([^<]*)<\/div>/.exec(html ?? '')?.[1];
const fieldError = (html: string | undefined, id: string) => new RegExp(`id="${id}-error">([^<]*)<`).exec(html ?? '')?.[1];
const roleOf = async (organizationId: string, accountId: string) =>
  (await db.selectFrom('memberships').select('roles').where('organization_id', '=', organizationId).where('account_id', '=', accountId).executeTakeFirst())?.roles;
const statuses = (html: string) => [...html.matchAll(/<strong>([^<]+)<\/strong>[^<]*<span class="invitation-status">([^<]+)<\/span>/g)].map((m) => `${m[1]} ${m[2]}`);
const tokenIn = (text: string) => /\/org\/invitation\?token=([A-Za-z0-9_-]{43})/.exec(text)?.[1];

describe('who reaches /org', () => {
  it('someone who administers nothing, and a member who is not an administrator, get 403 on every page and post', async () => {
    const stranger = await portico.createUser();
    const { page } = await open(stranger, '/org');
    expect(page.response.status).toBe(403);
    expect(page.html).toContain('Only an organization&#39;s administrators can manage its people.');

    const { admin, organizationId, taxId } = await approvedOrganization();
    const member = await joined(organizationId, taxId, admin);
    const { agent, page: refused } = await open(member, `/org/${organizationId}`);
    expect(refused.response.status).toBe(403);
    for (const path of ['/org', `/org/${organizationId}/invitations`, `/org/${organizationId}/requests`]) expect((await agent.request(`${portico.url}${path}`)).status).toBe(403);
    const account = await agent.follow(`${portico.url}/account/organizations`);
    expect(account.html).not.toContain('href="/org"');
    const tried = await post(agent, account, `/org/${organizationId}/members/${admin.id}/role`, { role: 'member' });
    expect(tried.response.status).toBe(403);
    expect(await roleOf(organizationId, admin.id)).toBe('admin');
  });

  it('one organisation goes straight to its members; several are chosen from; the account page links to /org', async () => {
    const { admin, organizationId } = await approvedOrganization('Harbor Pediatrics');
    const { agent, page } = await open(admin, '/account/organizations');
    expect(page.html).toContain('<a href="/org">Manage your organization&#39;s people</a>');
    const one = await agent.follow(`${portico.url}/org`);
    expect(one.url).toBe(`${portico.url}/org/${organizationId}`);
    expect(one.html).toContain('Members of Harbor Pediatrics');
    const second = await orgs.request(await account(admin), fields(newTaxId(), 'Bayview Dental'));
    if (!second.ok) throw new Error('refused');
    await orgs.decide(second.organizationId, true, 'ops-test');
    const pick = await agent.follow(`${portico.url}/org`);
    expect(pick.url).toBe(`${portico.url}/org`);
    expect(pick.html).toContain(`<a href="/org/${organizationId}">Harbor Pediatrics</a>`);
    expect(pick.html).toContain(`<a href="/org/${second.organizationId}">Bayview Dental</a>`);
  });

  it('a signed-out visitor is sent to sign in and comes back to the organisation page', async () => {
    const { admin, organizationId } = await approvedOrganization();
    const { page } = await openSignedIn(portico.url, admin, `/org/${organizationId}/requests`, { cookie: DEVICE_COOKIE, token: TEST_DEVICE_TOKEN });
    expect(page.url).toBe(`${portico.url}/org/${organizationId}`);
  });
});

describe('members', () => {
  it('lists and searches members with roles and status, changes a role, refuses removing the last administrator, removes a member', async () => {
    const { admin, organizationId, taxId } = await approvedOrganization();
    const ana = await joined(organizationId, taxId, admin);
    await db.updateTable('accounts').set({ given_name: 'Ana', family_name: 'Quintero' }).where('id', '=', ana.id).execute();
    const bo = await joined(organizationId, taxId, admin);
    const { agent, page } = await open(admin, `/org/${organizationId}`);
    for (const u of [admin, ana, bo]) expect(page.html).toContain(`Username ${u.username}, email ${u.email}`);
    expect(page.html).toContain('Role: administrator · ID active');
    const found = await agent.follow(`${portico.url}/org/${organizationId}?q=quinTERO`);
    expect(found.html).toContain(`Username ${ana.username}`);
    expect(found.html).not.toContain(`Username ${bo.username}`);
    const byMail = await agent.follow(`${portico.url}/org/${organizationId}?q=${encodeURIComponent(bo.email)}`);
    expect(byMail.html).toContain(`Username ${bo.username}`);
    expect(byMail.html).not.toContain(`Username ${ana.username}`);
    expect((await agent.follow(`${portico.url}/org/${organizationId}?q=nobody-at-all`)).html).toContain('No member matches this search.');

    const badRole = await post(agent, page, `/org/${organizationId}/members/${ana.id}/role`, { role: 'owner' });
    expect(badRole.response.status).toBe(400);
    expect(fieldError(badRole.html, `role-${ana.id}`)).toBe('Choose a role: administrator or member.');
    expect(badRole.html).toContain(`name="return" value="/org/${organizationId}"`);
    expect(await roleOf(organizationId, ana.id)).toBe('member');

    const lastAdmin = await post(agent, page, `/org/${organizationId}/members/${admin.id}/remove`);
    expect(lastAdmin.response.status).toBe(409);
    expect(fieldError(lastAdmin.html, `member-${admin.id}`)).toContain('last administrator');
    expect(await roleOf(organizationId, admin.id)).toBe('admin');
    const demoteSelf = await post(agent, page, `/org/${organizationId}/members/${admin.id}/role`, { role: 'member' });
    expect(fieldError(demoteSelf.html, `role-${admin.id}`)).toContain('last administrator');

    const promoted = await post(agent, page, `/org/${organizationId}/members/${ana.id}/role`, { role: 'admin' });
    expect(promoted.url).toBe(`${portico.url}/org/${organizationId}`);
    expect(notice(promoted.html)).toBe('The role was changed.');
    expect(await roleOf(organizationId, ana.id)).toBe('admin');

    const removed = await post(agent, page, `/org/${organizationId}/members/${bo.id}/remove`);
    expect(notice(removed.html)).toBe('The member was removed from the organization. Their ID stays theirs.');
    expect(await roleOf(organizationId, bo.id)).toBeUndefined();
    expect((await findAccountById(db, bo.id))?.status).toBe('active');
    const audit = await db.selectFrom('audit_events').select('action').where('actor', '=', `account:${admin.id}`).where('account_id', '=', bo.id).execute();
    expect(audit.map((a) => a.action)).toContain('organization.member_removed');
  });

  it('mails a member the way to their own forgot-password page, once per wait; the page shows no password field', async () => {
    const { admin, organizationId, taxId } = await approvedOrganization('Northshore Dental');
    const member = await joined(organizationId, taxId, admin);
    const { agent, page } = await open(admin, `/org/${organizationId}`);
    expect(page.html).not.toMatch(/type="password"/);
    const sent = await post(agent, page, `/org/${organizationId}/members/${member.id}/password-reset`);
    expect(notice(sent.html)).toBe('We emailed the member how to choose a new password.');
    const mail = await waitUntil('the reset mail', () => smtp.received.find((m) => m.to.includes(member.email) && m.header('Subject')?.startsWith('Choose a new password')));
    expect(mail.decoded).toContain('an administrator of Northshore Dental');
    expect(mail.decoded).toContain(`${portico.config.issuer}/recover/password`);
    const again = await post(agent, page, `/org/${organizationId}/members/${member.id}/password-reset`);
    expect(again.response.status).toBe(429);
    expect(fieldError(again.html, `member-${member.id}`)).toContain('was just sent');
  });
});

describe('invitations', () => {
  it('invites with a role, answers bad fields beside them, lists the last 7 days with their status; a resend kills the old link; cancel', async () => {
    const { admin, organizationId } = await approvedOrganization();
    const { agent, page } = await open(admin, `/org/${organizationId}/invitations`);
    expect(page.html).toContain('No invitations were sent in the last 7 days.');
    const bad = await post(agent, page, `/org/${organizationId}/invitations`, { email: 'not-an-address', role: 'owner' });
    expect(bad.response.status).toBe(400);
    expect(fieldError(bad.html, 'email')).toBe('Enter an email address, such as name@example.com.');
    expect(fieldError(bad.html, 'role')).toBe('Choose a role: administrator or member.');
    expect(bad.html).toContain('aria-describedby="email-error"');

    const stamp = Date.now();
    const [accepted, pending, cancelled, expired, old] = ['accepted', 'pending', 'cancelled', 'expired', 'old'].map((w) => `${w}.${stamp}@example.com`) as [string, string, string, string, string];
    for (const email of [accepted, pending, cancelled, expired, old]) {
      const sent = await post(agent, page, `/org/${organizationId}/invitations`, { email, role: 'member' });
      expect(notice(sent.html)).toBe(`The invitation was sent to ${email}.`);
    }
    const idOf = async (email: string) => (await db.selectFrom('org_invitations').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    const [acceptedLink] = (await smtp.mailsTo(accepted, 1)).map((m) => tokenIn(m.decoded)!);
    expect(await orgs.acceptInvitation(acceptedLink!, await portico.createUser())).toMatchObject({ ok: true });
    await db.updateTable('org_invitations').set({ expires_at: new Date(Date.now() - 60_000) }).where('email', '=', expired).execute();
    await db.updateTable('org_invitations').set({ sent_at: new Date(Date.now() - 8 * 86_400_000) }).where('email', '=', old).execute();
    const cancel = await post(agent, page, `/org/${organizationId}/invitations/${await idOf(cancelled)}/cancel`);
    expect(notice(cancel.html)).toBe('The invitation was cancelled. Its link no longer works.');

    const [first] = (await smtp.mailsTo(pending, 1)).map((m) => tokenIn(m.decoded)!);
    const resent = await post(agent, page, `/org/${organizationId}/invitations/${await idOf(pending)}/resend`);
    expect(notice(resent.html)).toBe('A new link was sent. The old link no longer works.');
    const second = (await smtp.mailsTo(pending, 2)).map((m) => tokenIn(m.decoded)!).find((t) => t !== first)!;
    expect(await orgs.findInvitation(first)).toBeUndefined();
    expect(await orgs.findInvitation(second)).toMatchObject({ status: 'pending' });

    const listed = statuses(resent.html!);
    expect(listed.sort()).toEqual([`${accepted} Accepted`, `${cancelled} Cancelled`, `${expired} Expired`, `${pending} Pending`].sort());
    expect(resent.html).not.toContain(old);
  });

  it('words the daily limit beside the address', async () => {
    const { admin, organizationId } = await approvedOrganization();
    const { agent, page } = await open(admin, `/org/${organizationId}/invitations`);
    let last: Page | undefined;
    for (let i = 0; i < 7; i++) last = await post(agent, page, `/org/${organizationId}/invitations`, { email: `many.${i}.${Date.now()}@example.com`, role: 'admin' });
    expect(last!.response.status).toBe(429);
    expect(fieldError(last!.html, 'email')).toBe('You sent too many invitations today. Try again tomorrow.');
  });
});

describe('join requests', () => {
  it('approving makes the person a member; declining does not', async () => {
    const { admin, organizationId, taxId } = await approvedOrganization();
    const [yes, no] = [await portico.createUser(), await portico.createUser()];
    for (const u of [yes, no]) expect(await orgs.request(await account(u), fields(taxId, 'x'))).toMatchObject({ ok: true, kind: 'join' });
    const { agent, page } = await open(admin, `/org/${organizationId}/requests`);
    const idOf = async (u: User) => (await db.selectFrom('organization_requests').select('id').where('account_id', '=', u.id).executeTakeFirstOrThrow()).id;
    expect(page.html).toContain(`Approve ${yes.username}`);
    const approved = await post(agent, page, `/org/${organizationId}/requests/${await idOf(yes)}/approve`);
    expect(notice(approved.html)).toBe('The request was approved: the person is now a member.');
    expect(await orgs.of(yes.id)).toEqual([expect.objectContaining({ id: organizationId, roles: ['member'] })]);
    const declined = await post(agent, page, `/org/${organizationId}/requests/${await idOf(no)}/decline`);
    expect(notice(declined.html)).toBe('The request was declined.');
    expect(await orgs.of(no.id)).toEqual([]);
    expect(declined.html).toContain('No one is waiting to join.');
  });
});

describe('another organisation\'s ids', () => {
  it('reach nothing: 404 for its pages, members, invitations and requests, and nothing changes', async () => {
    const a = await approvedOrganization('Alpha Clinic');
    const b = await approvedOrganization('Beta Clinic');
    const bMember = await joined(b.organizationId, b.taxId, b.admin);
    const sent = await orgs.invite(await account(b.admin), b.organizationId, `b.${Date.now()}@example.com`, 'member');
    if (!sent.ok) throw new Error('not sent');
    const asker = await portico.createUser();
    const asked = await orgs.request(await account(asker), fields(b.taxId, 'x'));
    if (!asked.ok || asked.kind !== 'join') throw new Error('no request');

    const { agent, page } = await open(a.admin, `/org/${a.organizationId}`);
    for (const path of ['', '/invitations', '/requests']) expect((await agent.request(`${portico.url}/org/${b.organizationId}${path}`)).status).toBe(404);
    const tries: Array<[string, Record<string, string>?]> = [
      [`/org/${b.organizationId}/members/${bMember.id}/role`, { role: 'admin' }],
      [`/org/${b.organizationId}/members/${bMember.id}/remove`],
      [`/org/${a.organizationId}/members/${bMember.id}/remove`],
      [`/org/${a.organizationId}/members/${bMember.id}/role`, { role: 'admin' }],
      [`/org/${a.organizationId}/members/${bMember.id}/password-reset`],
      [`/org/${b.organizationId}/invitations`, { email: 'sneaky@example.com', role: 'admin' }],
      [`/org/${a.organizationId}/invitations/${sent.id}/cancel`],
      [`/org/${a.organizationId}/invitations/${sent.id}/resend`],
      [`/org/${a.organizationId}/requests/${asked.requestId}/approve`],
      [`/org/${a.organizationId}/requests/not-a-uuid/approve`],
    ];
    for (const [path, form] of tries) expect((await post(agent, page, path, form)).response.status, path).toBe(404);
    expect(await roleOf(b.organizationId, bMember.id)).toBe('member');
    expect(await roleOf(a.organizationId, bMember.id)).toBeUndefined();
    expect((await orgs.invitations(b.admin.id, b.organizationId))!.map((i) => [i.id, i.status])).toEqual([[sent.id, 'pending']]);
    expect(await db.selectFrom('org_invitations').select('id').where('email', '=', 'sneaky@example.com').execute()).toEqual([]);
    expect((await orgs.joinRequests(b.admin.id, b.organizationId))!.map((r) => r.id)).toEqual([asked.requestId]);
    expect(await db.selectFrom('mail_outbox').select('id').where('account_id', '=', bMember.id).where('template', '=', 'org-password-reset').execute()).toEqual([]);
  });
});

describe('forms', () => {
  it('refuse a post without the page\'s CSRF token, and change nothing', async () => {
    const { admin, organizationId, taxId } = await approvedOrganization();
    const member = await joined(organizationId, taxId, admin);
    const { agent } = await open(admin, `/org/${organizationId}`);
    const forged = await agent.follow(`${portico.url}/org/${organizationId}/members/${member.id}/role`, { form: { role: 'admin', csrf: 'forged' } });
    expect(forged.response.status).toBe(403);
    const bare = await agent.follow(`${portico.url}/org/${organizationId}/invitations`, { form: { email: 'x@example.com', role: 'member' } });
    expect(bare.response.status).toBe(403);
    expect(await roleOf(organizationId, member.id)).toBe('member');
    expect(await orgs.invitations(admin.id, organizationId)).toEqual([]);
  });

  it('speak Spanish to a Spanish browser', async () => {
    const { admin, organizationId } = await approvedOrganization();
    const { agent } = await open(admin, `/org/${organizationId}`);
    agent.headers['accept-language'] = 'es';
    const members = await agent.follow(`${portico.url}/org/${organizationId}`);
    expect(members.html).toContain('<html lang="es"');
    expect(members.html).toContain('Miembros de Lakeside Family Clinic');
    expect(members.html).toContain('Buscar por nombre, nombre de usuario o correo electrónico');
    const invitations = await agent.follow(`${portico.url}/org/${organizationId}/invitations`);
    expect(invitations.html).toContain('Invitaciones de los últimos 7 días');
    const bad = await post(agent, invitations, `/org/${organizationId}/invitations`, { email: 'nope', role: 'member' });
    expect(fieldError(bad.html, 'email')).toBe('Escriba un correo electrónico, como nombre@ejemplo.com.');
  });
});
