import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import type { CommandContext } from '../../src/cli/context.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { addMember } from '../../src/identity/organizations/members.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import { organizationsService, type OrganizationsService } from '../../src/identity/services/organizations.js';
import type { Db } from '../../src/storage/database.js';
import { portalOrigin, startPortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';

/*
 * Organisation kinds and suspension, seen by portals through real tokens: an organisation takes
 * its requester's account type as its kind; a portal whose clients-file entry lists
 * organization_types is told only of organisations of those kinds (while another portal, served
 * from the same cached account, still sees them all); a suspended organisation leaves the next
 * token and userinfo and its administrators can do nothing with it until it is reinstated.
 */

const employerPortal = { id: 'employer-portal', secret: 'employer-portal-secret-0123456789abcdef', redirectUri: `${portalOrigin}/employer/callback` };

let portico: TestPortico;
let db: Db;
let orgs: OrganizationsService;

beforeAll(async () => {
  portico = await startPortico({
    policy: {
      organizations: { invitations_per_admin_per_day: 5, join_requests_per_account_per_day: 30 },
      account_types: [
        { id: 'member', label: { en: 'Member' }, self_registration: true },
        { id: 'provider', label: { en: 'Provider' }, needs_organization: true },
        { id: 'employer', label: { en: 'Employer' }, needs_organization: true },
      ],
    },
    extraClients: [
      {
        client_id: employerPortal.id,
        client_name: 'Employer portal',
        client_secret: employerPortal.secret,
        redirect_uris: [employerPortal.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        first_party: true,
        organization_types: ['employer'],
      },
    ],
  });
  db = portico.server.database.db;
  orgs = organizationsService({ db, hasher: new PasswordHasher(portico.config.policy.argon2), policy: portico.config.policy, issuer: portico.config.issuer, phone: undefined as never, portals: portico.server.portals });
});
afterAll(() => portico?.stop());

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { config: portico.config, db: async () => db, out: (l) => void out.push(l), err: (l) => void err.push(l), operator: 'ops-olga' };
  const code = await runCommand(argv, ctx);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let taxIds = 0;
/** An organisation asked for by a new person of this account type, approved with the CLI. */
async function approvedOrganization(type: string, legalName: string) {
  const user = await portico.createUser();
  await db.updateTable('accounts').set({ account_type: type }).where('id', '=', user.id).execute();
  const admin = (await findAccountById(db, user.id))!;
  const digits = `12${String(Date.now() % 10_000_000).padStart(7, '0')}`.slice(0, 8) + String(++taxIds % 10);
  const requested = await orgs.request(admin, { taxId: digits, legalName, address: '12 Shore Rd, Duluth MN 55802', phone: '218-555-0100' });
  if (!requested.ok || requested.kind !== 'register') throw new Error(`request refused: ${JSON.stringify(requested)}`);
  expect((await cli('orgs', 'approve', requested.organizationId)).code).toBe(0);
  return { admin, id: requested.organizationId };
}

const claimOf = (id: string, name: string, roles: string[]) => ({ id, name, roles });

describe('organisation kinds', () => {
  it('takes the requester\'s account type, shown by orgs list and orgs show', async () => {
    const clinic = await approvedOrganization('provider', 'Kind Clinic');
    const bakery = await approvedOrganization('employer', 'Kind Bakery');
    const listed = await cli('orgs', 'list', '--status', 'approved');
    expect(listed.out).toMatch(new RegExp(`^${clinic.id}\\tapproved\\tprovider\\tKind Clinic\\t`, 'm'));
    expect(listed.out).toMatch(new RegExp(`^${bakery.id}\\tapproved\\temployer\\tKind Bakery\\t`, 'm'));
    expect((await cli('orgs', 'show', bakery.id)).out).toMatch(/^kind: +employer$/m);
  });

  it('a portal limited to employer organisations is told only of those, in the ID token and userinfo; another portal of all', async () => {
    const clinic = await approvedOrganization('provider', 'Lakeside Clinic');
    const bakery = await approvedOrganization('employer', 'Harbor Bakery');
    const user = await portico.createUser();
    await addMember(db, clinic.id, user.id, 'member', `account:${clinic.admin.id}`);
    await addMember(db, bakery.id, user.id, 'member', `account:${bakery.admin.id}`);
    const both = [claimOf(bakery.id, 'Harbor Bakery', ['member']), claimOf(clinic.id, 'Lakeside Clinic', ['member'])];

    const all = await RelyingParty.discover(portico.url);
    const limited = await RelyingParty.discover(portico.url, employerPortal);
    const wide = await all.signIn(user.username, user.password, { scope: 'openid organizations' });
    const narrow = await limited.signIn(user.username, user.password, { scope: 'openid organizations' });
    expect(wide.tokens.claims()!.organizations).toEqual(both);
    expect(narrow.tokens.claims()!.organizations).toEqual([claimOf(bakery.id, 'Harbor Bakery', ['member'])]);
    // Both userinfo answers come from the one cached account: the limit is the portal's, not the cache's.
    for (let i = 0; i < 2; i++) {
      expect((await oidc.fetchUserInfo(limited.config, narrow.tokens.access_token, user.id)).organizations).toEqual([claimOf(bakery.id, 'Harbor Bakery', ['member'])]);
      expect((await oidc.fetchUserInfo(all.config, wide.tokens.access_token, user.id)).organizations).toEqual(both);
    }
  });
});

const auditOf = (organizationId: string) =>
  db
    .selectFrom('audit_events')
    .select(['action', 'actor', 'details'])
    .where('action', 'in', ['operator.org_suspend', 'operator.org_reinstate'])
    .where(({ eb, ref }) => eb(ref('details', '->>').key('organization_id' as never), '=', organizationId))
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();

describe('suspend and reinstate', () => {
  it('a suspended organisation leaves the next token and userinfo, its administrator can do nothing with it, and reinstating brings it back', async () => {
    const org = await approvedOrganization('provider', 'Northshore Dental');
    const user = await portico.createUser();
    await addMember(db, org.id, user.id, 'member', `account:${org.admin.id}`);
    const rp = await RelyingParty.discover(portico.url);
    const before = await rp.signIn(user.username, user.password, { scope: 'openid organizations' });
    const expected = [claimOf(org.id, 'Northshore Dental', ['member'])];
    expect(before.tokens.claims()!.organizations).toEqual(expected);
    // Read once, so the account is cached when the organisation changes.
    expect((await oidc.fetchUserInfo(rp.config, before.tokens.access_token, user.id)).organizations).toEqual(expected);

    expect(await cli('orgs', 'suspend', org.id)).toMatchObject({ code: 2, err: expect.stringContaining('--reason') });
    expect(await cli('orgs', 'suspend', org.id, '--reason', 'The plan ended its contract.')).toMatchObject({ code: 0, out: expect.stringContaining(`suspended ${org.id}`) });
    await vi.waitFor(async () => expect((await oidc.fetchUserInfo(rp.config, before.tokens.access_token, user.id)).organizations).toEqual([]), { timeout: 3000, interval: 25 });
    expect((await rp.signIn(user.username, user.password, { scope: 'openid organizations' })).tokens.claims()!.organizations).toEqual([]);
    expect((await cli('orgs', 'show', org.id)).out).toMatch(/^status: +suspended$[\s\S]*^reason: +The plan ended its contract\.$/m);

    // Its administrator is refused everything, as for an organisation that is not theirs.
    expect(await orgs.administers(org.id, org.admin.id)).toBe(false);
    expect(await orgs.members(org.admin.id, org.id)).toBeUndefined();
    expect(await orgs.invite(org.admin, org.id, 'new.hire@example.com', 'member')).toEqual({ ok: false, reason: 'forbidden' });
    expect(await orgs.removeMember(org.admin.id, org.id, user.id)).toEqual({ ok: false, reason: 'forbidden' });

    expect(await cli('orgs', 'suspend', org.id, '--reason', 'Again')).toEqual({ code: 1, out: '', err: 'the organisation is suspended: only an approved one can be suspended' });
    expect(await cli('orgs', 'reinstate', org.id)).toEqual({ code: 0, out: `reinstated ${org.id}: it is approved again`, err: '' });
    expect(await cli('orgs', 'reinstate', org.id)).toEqual({ code: 1, out: '', err: 'the organisation is approved: only a suspended one can be reinstated' });
    await vi.waitFor(async () => expect((await oidc.fetchUserInfo(rp.config, before.tokens.access_token, user.id)).organizations).toEqual(expected), { timeout: 3000, interval: 25 });
    expect((await rp.signIn(user.username, user.password, { scope: 'openid organizations' })).tokens.claims()!.organizations).toEqual(expected);
    expect(await orgs.members(org.admin.id, org.id)).toHaveLength(2);
    expect((await cli('orgs', 'show', org.id)).out).not.toMatch(/^reason:/m);

    expect(await auditOf(org.id)).toMatchObject([
      { action: 'operator.org_suspend', actor: expect.stringMatching(/^operator:/), details: { reason: 'The plan ended its contract.', organization_id: org.id } },
      { action: 'operator.org_reinstate', actor: expect.stringMatching(/^operator:/) },
    ]);
  });

  it('answers clearly for an organisation that is pending or unknown, and changes nothing', async () => {
    const user = await portico.createUser();
    const requester = (await findAccountById(db, user.id))!;
    const requested = await orgs.request(requester, { taxId: '12-3400001', legalName: 'Pending Pharmacy', address: '1 Main St', phone: '218-555-0101' });
    if (!requested.ok || requested.kind !== 'register') throw new Error('not registered');
    expect(await cli('orgs', 'suspend', requested.organizationId, '--reason', 'No')).toEqual({ code: 1, out: '', err: 'the organisation is pending: only an approved one can be suspended' });
    expect(await cli('orgs', 'reinstate', requested.organizationId)).toEqual({ code: 1, out: '', err: 'the organisation is pending: only a suspended one can be reinstated' });
    expect(await cli('orgs', 'reinstate', '00000000-0000-4000-8000-000000000000')).toMatchObject({ code: 1, err: 'no organisation with id "00000000-0000-4000-8000-000000000000"' });
    expect(await auditOf(requested.organizationId)).toEqual([]);
    expect((await db.selectFrom('organizations').select('status').where('id', '=', requested.organizationId).executeTakeFirstOrThrow()).status).toBe('pending');
  });
});
