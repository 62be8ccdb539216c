import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import type { CommandContext } from '../../src/cli/context.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { openTaxId } from '../../src/identity/organizations/tax-id.js';
import type { OrganizationsService } from '../../src/identity/services/organizations.js';
import { createLogger } from '../../src/log.js';
import type { Db } from '../../src/storage/database.js';
import type { Account } from '../../src/storage/schema.js';
import { DEVICE_COOKIE, TEST_DEVICE_TOKEN, type TestPortico } from '../support/portico.js';
import { hiddenInput, openSignedIn, UserAgent } from '../support/user-agent.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { captureLog } from '../support/log-capture.js';
import { organizationsOf, startWithSmtp } from '../support/organizations.js';
import type { TestSmtp } from '../support/smtp.js';
import { waitUntil } from '../support/wait.js';

/*
 * Organisations by Tax ID: requests to register and to join, the operator's decision by the
 * CLI (and its mail, through a real SMTP server), join requests decided by the administrator
 * and seen in the next token's `organizations` claim, invitations whose resend kills the old
 * link, and the Tax ID shown nowhere but as its last four digits. Requests racing for one new
 * Tax ID make one organisation; this file also runs on PostgreSQL in CI's second pass.
 */

const { lines, stream: capture } = captureLog();

let smtp: TestSmtp;
let portico: TestPortico;
let db: Db;
let orgs: OrganizationsService;
const cliOutput: string[] = [];

let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ smtp, portico, stop } = await startWithSmtp({
    logger: createLogger('trace', capture),
    policy: {
      organizations: { invitations_per_admin_per_day: 5, join_requests_per_account_per_day: 30 },
      rate_limits: { registration: { per_ip: { points: 0 } } },
      second_step: { require_security_questions: false },
      account_types: [
        { id: 'member', label: { en: 'Member', es: 'Afiliado' }, self_registration: true },
        { id: 'provider', label: { en: 'Provider', es: 'Proveedor' }, self_registration: true, needs_organization: true, recovery: 'help_desk' },
      ],
    },
  }));
  db = portico.server.database.db;
  orgs = organizationsOf(portico);
});
afterAll(() => stop?.());

/** Every Tax ID this file typed: none may appear whole anywhere. */
const seenDigits = new Set<string>();
/** A fresh valid Tax ID (prefix 12 is assigned), typed with the dash. */
function newTaxId(): string {
  for (;;) {
    const digits = `12${String(Math.floor(Math.random() * 10_000_000)).padStart(7, '0')}`;
    if (seenDigits.has(digits)) continue;
    seenDigits.add(digits);
    return `${digits.slice(0, 2)}-${digits.slice(2)}`;
  }
}
/** The mail to `to` whose subject contains `subject`, once the sender delivered it. */
const drained = () => waitUntil('the outbox sent', async () => (await db.selectFrom('mail_outbox').select('id').where('sent_at', 'is', null).execute()).length === 0);
const mailTo = (to: string, subject: string) =>
  waitUntil(`a mail "${subject}" to ${to}`, () => smtp.received.find((m) => m.to.some((t) => t.toLowerCase() === to.toLowerCase()) && m.header('Subject')?.includes(subject)));
const digitsOf = (taxId: string) => taxId.replace('-', '');
const fields = (taxId: string, legalName = 'Lakeside Family Clinic') => ({ taxId, legalName, address: '12 Shore Rd, Duluth MN 55802', phone: '218-555-0100' });
const person = async () => (await findAccountById(db, (await portico.createUser()).id))!;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { config: portico.config, db: async () => db, out: (l) => void out.push(l), err: (l) => void err.push(l), operator: 'ops-olga' };
  const code = await runCommand(argv, ctx);
  cliOutput.push(...out, ...err);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const count = async (table: 'organizations' | 'organization_requests', column: 'tax_id_last4' | 'organization_id', value: string) =>
  Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).where(column as never, '=', value as never).executeTakeFirstOrThrow()).n);

async function approvedOrganization(): Promise<{ admin: Account; organizationId: string; taxId: string }> {
  const admin = await person();
  const taxId = newTaxId();
  const requested = await orgs.request(admin, fields(taxId));
  if (!requested.ok || requested.kind !== 'register') throw new Error(`request refused: ${JSON.stringify(requested)}`);
  expect((await cli('orgs', 'approve', requested.organizationId)).code).toBe(0);
  return { admin, organizationId: requested.organizationId, taxId };
}

describe('requests to register an organisation', () => {
  it('refuses a malformed Tax ID and one with a prefix the IRS never assigns, beside the field, and makes nothing', async () => {
    const requester = await person();
    for (const [taxId, key] of [['12-34567', 'org.tax_id.format'], ['ab-cdefghi', 'org.tax_id.format'], ['00-3456789', 'org.tax_id.prefix'], ['07-3456789', 'org.tax_id.prefix']] as const) {
      const outcome = await orgs.request(requester, fields(taxId));
      expect(outcome, taxId).toEqual({ ok: false, reason: 'invalid', errors: { taxId: { key } } });
    }
    const none = await orgs.request(requester, { taxId: '12-3456789', legalName: ' ', address: '', phone: 'call me' });
    expect(none.ok === false && none.reason === 'invalid' && Object.keys(none.errors).sort()).toEqual(['address', 'legalName', 'phone']);
    expect(await db.selectFrom('organization_requests').select('id').where('account_id', '=', requester.id).execute()).toEqual([]);
  });

  it('makes one pending organisation; the same request again finds it, and another person asks to join', async () => {
    const requester = await person();
    const taxId = newTaxId();
    const first = await orgs.request(requester, fields(taxId));
    expect(first).toMatchObject({ ok: true, kind: 'register', created: true });
    // Typed the other way, the same nine digits.
    const again = await orgs.request(requester, fields(digitsOf(taxId), 'Lakeside Clinic'));
    expect(again).toEqual({ ...first, created: false });
    const other = await orgs.request(await person(), fields(taxId));
    expect(other).toMatchObject({ ok: true, kind: 'join', created: true });
    expect(await count('organizations', 'tax_id_last4', digitsOf(taxId).slice(-4))).toBe(1);
    const org = await db.selectFrom('organizations').selectAll().where('tax_id_last4', '=', digitsOf(taxId).slice(-4)).executeTakeFirstOrThrow();
    expect(org).toMatchObject({ status: 'pending', legal_name: 'Lakeside Family Clinic' });
    expect(org.tax_id_sealed).not.toContain(digitsOf(taxId));
    expect(org.tax_id_hash).not.toContain(digitsOf(taxId));
    // Sealed for this row: it opens here, with the keys-encryption key, and nowhere else.
    expect(await openTaxId(db, org.id, org.tax_id_sealed)).toBe(digitsOf(taxId));
    await expect(openTaxId(db, first.ok ? 'another-row' : '', org.tax_id_sealed)).rejects.toThrow('does not open');
    const audit = await db.selectFrom('audit_events').select(['action', 'actor', 'details']).where('account_id', '=', requester.id).where('action', '=', 'organization.requested').executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: `account:${requester.id}`, details: { organization_id: org.id, tax_id_last4: digitsOf(taxId).slice(-4) } });
  });

  it('20 requests at once for one new Tax ID make one organisation: one register request, the others the same request or a join request', async () => {
    const taxId = newTaxId();
    const people = await Promise.all(Array.from({ length: 10 }, person));
    // Each person twice, all at the same instant.
    const outcomes = await Promise.all([...people, ...people].map((p) => orgs.request(p, fields(taxId))));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const ids = new Set(outcomes.map((o) => (o.ok ? o.organizationId : '')));
    expect(ids.size).toBe(1);
    const [organizationId] = [...ids];
    expect(await db.selectFrom('organizations').select('id').where('id', '=', organizationId!).execute()).toHaveLength(1);
    const requests = await db.selectFrom('organization_requests').select(['kind', 'account_id']).where('organization_id', '=', organizationId!).execute();
    expect(requests.filter((r) => r.kind === 'register')).toHaveLength(1);
    expect(requests).toHaveLength(10);
    expect(new Set(requests.map((r) => r.account_id)).size).toBe(10);
  });
});

describe('the operator decides with the CLI', () => {
  it('lists the pending request, approves it: the requester is its administrator and gets the mail', async () => {
    const requester = await person();
    const taxId = newTaxId();
    const requested = await orgs.request(requester, fields(taxId, 'Northshore Dental'));
    if (!requested.ok || requested.kind !== 'register') throw new Error('not registered');
    const listed = await cli('orgs', 'list', '--status', 'pending');
    expect(listed.out).toMatch(new RegExp(`^${requested.organizationId}\\tpending\\tmember\\tNorthshore Dental\\tTax ID ending ${digitsOf(taxId).slice(-4)}\\t`, 'm'));
    const shown = await cli('orgs', 'show', requested.organizationId);
    expect(shown.out).toContain(`${requester.username} <${requester.email}>`);
    const approved = await cli('orgs', 'approve', requested.organizationId);
    expect(approved).toMatchObject({ code: 0, out: `approved ${requested.organizationId}, its requester is now its administrator; the requester was mailed` });
    expect(await cli('orgs', 'approve', requested.organizationId)).toMatchObject({ code: 1, err: 'the organisation is already approved' });
    expect(await orgs.of(requester.id)).toEqual([{ id: requested.organizationId, name: 'Northshore Dental', roles: ['admin'] }]);
    const mail = await mailTo(requester.email, 'is approved');
    expect(mail.header('Subject')).toBe('Northshore Dental is approved on Portico');
    expect(mail.decoded).toContain(`Tax ID ending in ${digitsOf(taxId).slice(-4)}`);
    expect((await mailTo(requester.email, 'We received your request')).decoded).toContain('request to register Northshore Dental');
    const audit = await db.selectFrom('audit_events').select(['actor', 'details']).where('action', '=', 'operator.org_approve').where('account_id', '=', requester.id).executeTakeFirstOrThrow();
    expect(audit.actor).toMatch(/^operator:/);
  });

  it('rejects with a reason the requester reads; the organisation gives no claim', async () => {
    const requester = await person();
    const requested = await orgs.request(requester, fields(newTaxId(), 'Shady Billing LLC'));
    if (!requested.ok) throw new Error('refused');
    expect((await cli('orgs', 'reject', requested.organizationId)).code).toBe(2);
    const rejected = await cli('orgs', 'reject', requested.organizationId, '--reason', 'The Tax ID does not match the legal name.');
    expect(rejected.code).toBe(0);
    expect((await mailTo(requester.email, 'was not approved')).decoded).toContain('Reason: The Tax ID does not match the legal name.');
    expect(await orgs.of(requester.id)).toEqual([]);
    expect((await cli('orgs', 'show', 'no-such-org')).code).toBe(1);
  });
});

describe('join requests and the organizations claim', () => {
  it('a join request approved by the administrator appears in the next token, and userinfo', async () => {
    const { admin, organizationId, taxId } = await approvedOrganization();
    const user = await portico.createUser();
    const joiner = (await findAccountById(db, user.id))!;
    const rp = await RelyingParty.discover(portico.url);
    const before = await rp.signIn(user.username, user.password, { scope: 'openid profile organizations' });
    expect(before.tokens.claims()).toMatchObject({ organizations: [] });
    // Read once, so the account is in the cache when the membership changes.
    expect(await oidc.fetchUserInfo(rp.config, before.tokens.access_token, user.id)).toMatchObject({ organizations: [] });

    const requested = await orgs.request(joiner, fields(taxId));
    if (!requested.ok || requested.kind !== 'join') throw new Error('not a join request');
    expect((await mailTo(admin.email, 'A request to join Lakeside Family Clinic')).decoded).toContain(`${joiner.given_name} ${joiner.family_name} (${joiner.email}) asks to join Lakeside Family Clinic`);

    // Another organisation's administrator cannot see or decide it.
    const stranger = await approvedOrganization();
    expect(await orgs.joinRequests(stranger.admin.id, organizationId)).toBeUndefined();
    expect(await orgs.decideJoin(stranger.admin.id, stranger.organizationId, requested.requestId, true)).toEqual({ ok: false, reason: 'not_found' });
    expect(await orgs.decideJoin(joiner.id, organizationId, requested.requestId, true)).toEqual({ ok: false, reason: 'forbidden' });

    expect((await orgs.joinRequests(admin.id, organizationId))!.map((r) => r.accountId)).toEqual([joiner.id]);
    expect(await orgs.decideJoin(admin.id, organizationId, requested.requestId, true)).toEqual({ ok: true, accountId: joiner.id });
    const expected = [{ id: organizationId, name: 'Lakeside Family Clinic', roles: ['member'] }];
    await vi.waitFor(async () => expect(await oidc.fetchUserInfo(rp.config, before.tokens.access_token, user.id)).toMatchObject({ organizations: expected }), { timeout: 3000, interval: 25 });
    const after = await rp.signIn(user.username, user.password, { scope: 'openid profile organizations' });
    expect(after.tokens.claims()).toMatchObject({ organizations: expected });
    // Without the scope, no claim.
    const plain = await rp.signIn(user.username, user.password, { scope: 'openid profile' });
    expect(plain.tokens.claims()).not.toHaveProperty('organizations');
  });
});

describe('invitations', () => {
  const tokenIn = (text: string) => /\/org\/invitation\?token=([A-Za-z0-9_-]{43})/.exec(text)?.[1];
  /** The links mailed to `email`, in the order sent, once `count` arrived (or every one, after the outbox drained). */
  const linksTo = async (email: string, count?: number) => {
    if (count === undefined) await drained();
    const mails = count === undefined ? smtp.received.filter((m) => m.to.includes(email)) : await smtp.mailsTo(email, count);
    return mails.map((m) => tokenIn(m.decoded)!);
  };

  it('a resend kills the old link; accepting joins once; cancel leaves no link; only the organisation\'s administrator acts', async () => {
    const { admin, organizationId } = await approvedOrganization();
    const email = `invited.${Date.now()}@example.com`;
    const sent = await orgs.invite(admin, organizationId, email, 'member');
    if (!sent.ok) throw new Error('not sent');
    const [first] = await linksTo(email, 1);
    expect(await orgs.findInvitation(first)).toMatchObject({ status: 'pending', organizationName: 'Lakeside Family Clinic', inviterName: 'Jane Smith', email });
    expect(await orgs.resendInvitation(admin, organizationId, sent.id)).toEqual({ ok: true });
    const tokens = await linksTo(email, 2);
    const second = tokens.find((t) => t !== first)!;
    expect(await orgs.findInvitation(first)).toBeUndefined();
    const invitee = await person();
    expect(await orgs.acceptInvitation(first!, invitee)).toEqual({ ok: false, reason: 'not_found' });
    expect(await orgs.acceptInvitation(second, invitee)).toEqual({ ok: true, organizationId });
    expect(await orgs.acceptInvitation(second, await person())).toEqual({ ok: false, reason: 'accepted' });
    expect((await orgs.members(admin.id, organizationId))!.map((m) => [m.accountId, m.roles])).toContainEqual([invitee.id, ['member']]);

    const cancelled = await orgs.invite(admin, organizationId, `other.${email}`, 'admin');
    if (!cancelled.ok) throw new Error('not sent');
    const [link] = await linksTo(`other.${email}`, 1);
    const stranger = await approvedOrganization();
    expect(await orgs.cancelInvitation(stranger.admin.id, stranger.organizationId, cancelled.id)).toEqual({ ok: false, reason: 'not_found' });
    expect(await orgs.cancelInvitation(invitee.id, organizationId, cancelled.id)).toEqual({ ok: false, reason: 'forbidden' });
    expect(await orgs.cancelInvitation(admin.id, organizationId, cancelled.id)).toEqual({ ok: true });
    expect(await orgs.resendInvitation(admin, organizationId, cancelled.id)).toEqual({ ok: false, reason: 'not_found' });
    expect(await orgs.acceptInvitation(link!, await person())).toEqual({ ok: false, reason: 'cancelled' });
    const listed = await orgs.invitations(admin.id, organizationId);
    expect(listed!.map((i) => i.status).sort()).toEqual(['accepted', 'cancelled']);
    const actions = await db.selectFrom('audit_events').select('action').where('actor', '=', `account:${admin.id}`).where('action', 'like', 'organization.invitation_%').execute();
    expect(actions.map((a) => a.action).sort()).toEqual(['organization.invitation_cancelled', 'organization.invitation_resent', 'organization.invitation_sent', 'organization.invitation_sent']);
  });

  it('a cancel and a resend at the same instant leave one working link or none', async () => {
    const { admin, organizationId } = await approvedOrganization();
    const email = `race.${Date.now()}@example.com`;
    const sent = await orgs.invite(admin, organizationId, email, 'member');
    if (!sent.ok) throw new Error('not sent');
    await Promise.all([orgs.resendInvitation(admin, organizationId, sent.id), orgs.cancelInvitation(admin.id, organizationId, sent.id), orgs.resendInvitation(admin, organizationId, sent.id)]);
    const working = [];
    for (const token of await linksTo(email)) if ((await orgs.findInvitation(token))?.status === 'pending') working.push(token);
    expect(working.length).toBeLessThanOrEqual(1);
  });

  it('caps an administrator\'s invitations per day', async () => {
    const { admin, organizationId } = await approvedOrganization();
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await orgs.invite(admin, organizationId, `cap${i}.${Date.now()}@example.com`, 'member'));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true, true, false]);
    expect(outcomes[5]).toEqual({ ok: false, reason: 'limited' });
  });
});

describe('users create --organization', () => {
  it('creates the ID as a member of an approved organisation, and refuses a pending one', async () => {
    const { organizationId } = await approvedOrganization();
    const n = Date.now().toString(36);
    const created = await cli('users', 'create', '--username', `staff${n}`, '--email', `staff.${n}@example.com`, '--given-name', 'Sam', '--family-name', 'Staff', '--organization', organizationId, '--role', 'admin');
    expect(created.code).toBe(0);
    const account = await db.selectFrom('accounts').select('id').where('username', '=', `staff${n}`).executeTakeFirstOrThrow();
    expect(await orgs.of(account.id)).toEqual([{ id: organizationId, name: 'Lakeside Family Clinic', roles: ['admin'] }]);
    const pending = await orgs.request(await person(), fields(newTaxId()));
    if (!pending.ok) throw new Error('refused');
    const refused = await cli('users', 'create', '--username', `late${n}`, '--email', `late.${n}@example.com`, '--given-name', 'Lee', '--family-name', 'Late', '--organization', pending.organizationId);
    expect(refused).toMatchObject({ code: 1, err: `--organization: no approved organisation with id "${pending.organizationId}"` });
    expect((await cli('users', 'create', '--username', `x${n}`, '--email', `x.${n}@example.com`, '--given-name', 'X', '--family-name', 'Y', '--organization', organizationId, '--role', 'owner')).code).toBe(2);
  });
});

describe('the account page to register or join an organisation', () => {
  const openAccount = (user: { username: string; password: string }, path: string) => openSignedIn(portico.url, user, path, { cookie: DEVICE_COOKIE, token: TEST_DEVICE_TOKEN });
  const fieldError = (html: string, field: string) => new RegExp(`id="${field}-error">([^<]*)<`).exec(html)?.[1];

  it('a self-registered provider is sent from "Your ID is ready" to register or join an organisation', async () => {
    const agent = new UserAgent('http://127.0.0.1:9');
    const n = `${Date.now().toString(36)}${seenDigits.size}`;
    const email = `prov.${n}@example.com`;
    const form = await agent.follow(`${portico.url}/register`);
    const registration = { givenName: 'Paula', familyName: 'Provider', birthYear: '1980', email, username: `prov${n}`, password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour', terms: 'yes', accountType: 'provider' };
    const waiting = await agent.follow(`${portico.url}/register`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, ...registration } });
    expect(waiting.url).toBe(`${portico.url}/verify-email`);
    const [mail] = await smtp.mailsTo(email);
    const code = /\b(\d{10})\b/.exec(mail!.decoded)![1]!;
    const done = await agent.follow(`${portico.url}/verify-email`, { form: { csrf: hiddenInput(waiting.html!, 'csrf')!, code } });
    expect(done.html).toContain('Email address verified');
    expect(done.html).toContain('<a class="button primary" href="/account/organizations">Register or join your organization</a>');
  });

  it('is linked from the overview of a type that needs an organisation only', async () => {
    const member = await portico.createUser();
    expect((await openAccount(member, '/account')).page.html).not.toContain('href="/account/organizations"');
    const provider = await portico.createUser();
    await db.updateTable('accounts').set({ account_type: 'provider' }).where('id', '=', provider.id).execute();
    expect((await openAccount(provider, '/account')).page.html).toContain('href="/account/organizations"');
  });

  it('answers a wrong Tax ID beside the field, keeps the other fields, then takes the request and lists it by the last 4 digits', async () => {
    const user = await portico.createUser();
    await db.updateTable('accounts').set({ account_type: 'provider' }).where('id', '=', user.id).execute();
    const { agent, page } = await openAccount(user, '/account/organizations');
    expect(page.url).toBe(`${portico.url}/account/organizations`);
    expect(page.html).toContain('You do not belong to an organization yet.');
    const form = { legalName: 'Harbor Pediatrics', address: '3 Dock St, Duluth MN', phone: '218-555-0142' };
    const refused = await agent.follow(`${portico.url}/account/organizations`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, taxId: '07-1234567', ...form } });
    expect(refused.response.status).toBe(400);
    expect(fieldError(refused.html!, 'taxId')).toBe('This is not a valid Tax ID: check its first two digits.');
    expect(refused.html).toContain('value="Harbor Pediatrics"');
    expect(refused.html).not.toContain('1234567');
    const taxId = newTaxId();
    const sent = await agent.follow(`${portico.url}/account/organizations`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, taxId, ...form } });
    expect(sent.url).toBe(`${portico.url}/account/organizations`);
    expect(sent.html).toContain('Your request was received.');
    expect(sent.html).toContain(`Registration of Harbor Pediatrics (Tax ID ending in ${digitsOf(taxId).slice(-4)})`);
    expect(sent.html).not.toContain(digitsOf(taxId));
    expect(sent.html).not.toContain(taxId);
    agent.headers['accept-language'] = 'es';
    const spanish = await agent.follow(`${portico.url}/account/organizations`);
    expect(spanish.html).toContain(`Registro de Harbor Pediatrics (identificación fiscal terminada en ${digitsOf(taxId).slice(-4)})`);
  });
});

describe('the Tax ID in clear', () => {
  it('appears in no log line, mail or CLI output', async () => {
    expect(seenDigits.size).toBeGreaterThan(5);
    // Every mail queued so far has gone out through SMTP.
    await drained();
    expect(lines.length).toBeGreaterThan(50);
    expect(cliOutput.join('\n')).toMatch(/Tax ID ending \d{4}/);
    expect(smtp.received.length).toBeGreaterThan(10);
    const everything = [...lines, ...cliOutput,  ...(await db.selectFrom('mail_outbox').select('subject').execute()).map((m) => m.subject), ...smtp.received.map((m) => m.decoded)].join('\n');
    for (const digits of seenDigits) {
      expect(everything).not.toContain(digits);
      expect(everything).not.toContain(`${digits.slice(0, 2)}-${digits.slice(2)}`);
    }
    const audits = (await db.selectFrom('audit_events').select('details').execute()).map((a) => JSON.stringify(a.details)).join('\n');
    for (const digits of seenDigits) expect(audits).not.toContain(digits);
  });
});
