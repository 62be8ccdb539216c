import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import type { OrganizationsService } from '../../src/identity/services/organizations.js';
import { createLogger } from '../../src/log.js';
import type { Db } from '../../src/storage/database.js';
import type { Account } from '../../src/storage/schema.js';
import { DEVICE_COOKIE, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { captureLog } from '../support/log-capture.js';
import { approveByCli, organizationsOf, startWithSmtp } from '../support/organizations.js';
import type { TestSmtp } from '../support/smtp.js';
import { hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * The page an organisation invitation's link opens: it names the organisation and the
 * inviter; an ID with the invited address signs in and joins with the invited role; a new
 * person registers with the address filled in and joins without a verification code; an ID
 * with another address is refused; expired, cancelled, used, replaced and unknown links each
 * get their page. No token reaches a log line.
 */

const { lines, stream: capture } = captureLog();

let smtp: TestSmtp;
let portico: TestPortico;
let db: Db;
let orgs: OrganizationsService;
const tokens = new Set<string>();

let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ smtp, portico, stop } = await startWithSmtp({
    logger: createLogger('trace', capture),
    policy: {
      organizations: { invitations_per_admin_per_day: 50 },
      rate_limits: { registration: { per_ip: { points: 0 } } },
      second_step: { require_security_questions: false },
    },
  }));
  db = portico.server.database.db;
  orgs = organizationsOf(portico);
});
afterAll(() => stop?.());

let taxIds = 0;
/** An approved organisation whose administrator is Ada Admin. */
async function approvedOrganization(legalName: string): Promise<{ admin: Account; organizationId: string }> {
  const admin = (await findAccountById(db, (await portico.createUser({ givenName: 'Ada', familyName: 'Admin' })).id))!;
  const taxId = `12-${String(Date.now() % 10_000_000 + ++taxIds).padStart(7, '0')}`;
  const requested = await orgs.request(admin, { taxId, legalName, address: '12 Shore Rd, Duluth MN 55802', phone: '218-555-0100' });
  if (!requested.ok || requested.kind !== 'register') throw new Error(`request refused: ${JSON.stringify(requested)}`);
  expect(await approveByCli(portico, requested.organizationId)).toBe(0);
  return { admin, organizationId: requested.organizationId };
}

let invited = 0;
/** Invites a fresh address; returns it, the invitation's id and the link's token read from the mail. */
async function invite(organization: { admin: Account; organizationId: string }, role: 'admin' | 'member' = 'member') {
  const email = `invitee${++invited}.${Date.now().toString(36)}@example.com`;
  const sent = await orgs.invite(organization.admin, organization.organizationId, email, role);
  if (!sent.ok) throw new Error(`not sent: ${sent.reason}`);
  const [mail] = await smtp.mailsTo(email, 1);
  const token = /\/org\/invitation\?token=([A-Za-z0-9_-]{43})/.exec(mail!.decoded)![1]!;
  tokens.add(token);
  return { email, id: sent.id, token };
}

const agentFor = () => {
  const agent = new UserAgent('http://127.0.0.1:9');
  agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
  return agent;
};
const open = (agent: UserAgent, token: string) => agent.follow(`${portico.url}/org/invitation?token=${token}`);
const decode = (html: string | undefined) => (html ?? '').replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&amp;', '&');

/** From `path` (the invitation's "Sign in to join"), through the sign-in page, back where it leads. */
async function signInFrom(agent: UserAgent, path: string, user: { username: string; password: string }) {
  const signIn = await agent.follow(`${portico.url}${path}`);
  const action = /action="([^"]+\/login)"/.exec(signIn.html!)![1]!;
  return agent.follow(new URL(action, signIn.url).toString(), { form: { csrf: hiddenInput(signIn.html!, 'csrf')!, login: user.username, password: user.password } });
}

const join = (agent: UserAgent, page: { html?: string }, token: string) => agent.follow(`${portico.url}/org/invitation`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, token } });

describe('the invitation link', () => {
  it('names the organisation and the inviter, and offers to sign in or create an ID', async () => {
    const organization = await approvedOrganization('Harbor Pediatrics');
    const { token, email } = await invite(organization, 'admin');
    const page = await open(agentFor(), token);
    expect(page.response.status).toBe(200);
    expect(decode(page.html)).toContain('Ada Admin invited you to join Harbor Pediatrics as administrator.');
    expect(page.html).toContain(`The invitation was sent to ${email}.`);
    expect(page.html).toContain(`href="/org/invitation/sign-in?token=${token}"`);
    expect(page.html).toContain(`href="/org/invitation/register?token=${token}"`);
  });

  it('an ID with the invited address signs in, comes back to the invitation, and joins with the invited role', async () => {
    const organization = await approvedOrganization('Lakeside Family Clinic');
    const { token, email } = await invite(organization, 'admin');
    const user = await portico.createUser({ email });
    const agent = agentFor();
    const back = await signInFrom(agent, `/org/invitation/sign-in?token=${token}`, user);
    expect(back.url).toBe(`${portico.url}/org/invitation?token=${token}`);
    expect(back.html).toContain(`You are signed in as ${user.username}.`);
    expect(await orgs.of(user.id)).toEqual([]);
    // A join posted without the page's form token (another site's form) does nothing.
    const forged = await agent.follow(`${portico.url}/org/invitation`, { form: { token } });
    expect(forged.response.status).toBe(403);
    expect(await orgs.of(user.id)).toEqual([]);
    const joined = await join(agent, back, token);
    expect(joined.response.status).toBe(200);
    expect(joined.html).toContain('You are now a member of Lakeside Family Clinic.');
    expect(await orgs.of(user.id)).toEqual([{ id: organization.organizationId, name: 'Lakeside Family Clinic', roles: ['admin'] }]);
    // The link worked once: now it says so.
    const again = await open(agent, token);
    expect(again.response.status).toBe(410);
    expect(again.html).toContain('This invitation was already used');
    expect(again.html).toContain('ask Ada Admin or another administrator of Lakeside Family Clinic');
  });

  it('an ID whose address is another is refused, the join form too, and nothing changes', async () => {
    const organization = await approvedOrganization('North Shore Dental');
    const { token, email } = await invite(organization);
    const other = await portico.createUser();
    const agent = agentFor();
    const back = await signInFrom(agent, `/org/invitation/sign-in?token=${token}`, other);
    expect(back.html).toContain(`whose email address is not ${email}`);
    expect(back.html).not.toContain('action="/org/invitation"');
    // A join posted anyway (the account pages' form token is the same) is refused.
    const account = await agent.follow(`${portico.url}/account`);
    const forced = await join(agent, account, token);
    expect(forced.response.status).toBe(403);
    expect(await orgs.of(other.id)).toEqual([]);
    expect((await orgs.findInvitation(token))?.status).toBe('pending');
  });

  it('a new person registers with the invited address filled in, is not asked to verify it, and is a member', async () => {
    const organization = await approvedOrganization('Riverside Clinic');
    const { token, email } = await invite(organization);
    const agent = agentFor();
    const form = await agent.follow(`${portico.url}/org/invitation/register?token=${token}`);
    expect(form.response.status).toBe(200);
    expect(form.html).toContain(`value="${email}"`);
    expect(form.html).toContain('Once your ID is created, you join Riverside Clinic.');
    const username = `new${Date.now().toString(36)}`;
    const fields = { givenName: 'Nina', familyName: 'New', birthYear: '1985', email, username, password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour', terms: 'yes' };
    // A refused form keeps the token and the address.
    const refused = await agent.follow(`${portico.url}/org/invitation/register`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, token, ...fields, confirmPassword: 'other' } });
    expect(refused.response.status).toBe(400);
    expect(hiddenInput(refused.html!, 'token')).toBe(token);
    const done = await agent.follow(`${portico.url}/org/invitation/register`, { form: { csrf: hiddenInput(refused.html!, 'csrf')!, token, ...fields } });
    expect([done.url, done.response.status]).toEqual([`${portico.url}/org/invitation/register`, 200]);
    expect(done.html).toContain('You are now a member of Riverside Clinic.');
    const account = await db.selectFrom('accounts').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
    expect(account.email_verified_at).not.toBeNull();
    expect(await orgs.of(account.id)).toEqual([{ id: organization.organizationId, name: 'Riverside Clinic', roles: ['member'] }]);
    // The invitation is the only mail the address got: no verification code went out.
    expect(await db.selectFrom('mail_outbox').select('template').where('to_address', '=', email).execute()).toEqual([{ template: 'org-invitation' }]);
    // The new ID signs in with no verification step: its new browser gets the second step's
    // emailed code (which a pending ID could not receive), then its organisations.
    const browser = agentFor();
    const step = await signInFrom(browser, '/account/organizations', { username, password: 'Bright7Harbour' });
    expect(step.url).toMatch(/\/access-code$/);
    const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', 'access-code').executeTakeFirstOrThrow();
    const code = /^(\d{6})$/m.exec(mail.text_body)![1]!;
    const signedIn = await browser.follow(step.url, { form: { csrf: hiddenInput(step.html!, 'csrf')!, code } });
    expect(signedIn.url).toBe(`${portico.url}/account/organizations`);
    expect(signedIn.html).toContain('Riverside Clinic: member');
  });

  it('a new person who changes the address verifies it as usual, and joins nothing', async () => {
    const organization = await approvedOrganization('Changed Address Care');
    const { token } = await invite(organization);
    const agent = agentFor();
    const form = await agent.follow(`${portico.url}/org/invitation/register?token=${token}`);
    const email = `elsewhere.${Date.now().toString(36)}@example.com`;
    const username = `chg${Date.now().toString(36)}`;
    const waiting = await agent.follow(`${portico.url}/org/invitation/register`, {
      form: { csrf: hiddenInput(form.html!, 'csrf')!, token, givenName: 'Carl', familyName: 'Change', birthYear: '1985', email, username, password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour', terms: 'yes' },
    });
    expect(waiting.url).toBe(`${portico.url}/verify-email`);
    expect(await smtp.mailsTo(email, 1)).toHaveLength(1);
    const account = await db.selectFrom('accounts').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
    expect(account.email_verified_at).toBeNull();
    expect(await orgs.of(account.id)).toEqual([]);
    expect((await orgs.findInvitation(token))?.status).toBe('pending');
  });

  it('an expired, a cancelled, a replaced and an unknown link each say which, and how to get a new one', async () => {
    const organization = await approvedOrganization('Pinewood Health');
    const expired = await invite(organization);
    await db.updateTable('org_invitations').set({ expires_at: new Date(Date.now() - 60_000) }).where('id', '=', expired.id).execute();
    const cancelled = await invite(organization);
    expect(await orgs.cancelInvitation(organization.admin.id, organization.organizationId, cancelled.id)).toEqual({ ok: true });
    const resent = await invite(organization);
    expect(await orgs.resendInvitation(organization.admin, organization.organizationId, resent.id)).toEqual({ ok: true });
    const agent = agentFor();
    const pages = {
      expired: await open(agent, expired.token),
      cancelled: await open(agent, cancelled.token),
      replaced: await open(agent, resent.token),
      unknown: await open(agent, 'A'.repeat(43)),
      malformed: await agent.follow(`${portico.url}/org/invitation`),
    };
    expect(pages.expired.response.status).toBe(410);
    expect(pages.expired.html).toContain('This invitation has expired');
    expect(pages.expired.html).toContain('The invitation to join Pinewood Health was not accepted in time.');
    expect(pages.cancelled.response.status).toBe(410);
    expect(pages.cancelled.html).toContain('This invitation was cancelled');
    for (const page of [pages.expired, pages.cancelled]) expect(page.html).toContain('To get a new invitation, ask Ada Admin or another administrator of Pinewood Health');
    for (const page of [pages.replaced, pages.unknown, pages.malformed]) {
      expect(page.response.status).toBe(404);
      expect(page.html).toContain('This invitation link does not work');
      expect(page.html).not.toContain('Pinewood Health');
    }
    // The links that no longer work open no registration or sign-in either.
    for (const token of [expired.token, cancelled.token, resent.token]) {
      expect((await agent.follow(`${portico.url}/org/invitation/register?token=${token}`)).response.status).toBeGreaterThanOrEqual(404);
      expect((await agent.follow(`${portico.url}/org/invitation/sign-in?token=${token}`)).response.status).toBeGreaterThanOrEqual(404);
    }
  });

  it('speaks Spanish', async () => {
    const organization = await approvedOrganization('Clínica del Lago');
    const { token } = await invite(organization);
    const agent = agentFor();
    agent.cookies.set('portico_lang', 'es');
    const page = await open(agent, token);
    expect(decode(page.html)).toContain('Ada Admin le invitó a unirse a Clínica del Lago como miembro.');
    expect(page.html).toContain('Crear una identificación y unirse');
    const gone = await open(agent, 'B'.repeat(43));
    expect(gone.html).toContain('Este enlace de invitación no funciona');
  });

  it('writes no token into any log line', () => {
    expect(tokens.size).toBeGreaterThan(5);
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(1000);
    for (const token of tokens) expect(log).not.toContain(token);
  });
});
