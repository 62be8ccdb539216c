import { describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/storage/database.js';
import { openConsole as openConsoleAs, runCli, type Page } from '../support/console.js';
import { pendingOrganization as newPending, typedTaxIds } from '../support/organizations.js';
import { usePortico, type TestPortico } from '../support/portico.js';
import { hiddenInput } from '../support/user-agent.js';

/*
 * Organisation requests in the help-desk console: every staff role sees the queue (the Tax ID
 * as its last four digits only); only operators approve or reject, each behind a confirmation
 * with a required reason, the form's token and a recent sign-in, audited with the operator's
 * ID as actor and the reason.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)));

const staffWith = async (role: 'helpdesk' | 'operator') => {
  const user = await portico.createUser({ withAnswers: true });
  expect((await runCli(portico, db, 'staff', 'grant', user.username, role)).code).toBe(0);
  return user;
};
const pending = (name: string) => newPending(portico, db, name);
const csrfOf = (page: Page) => hiddenInput(page.html!, 'csrf')!;
const statusOf = async (id: string) => (await db.selectFrom('organizations').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
const decisions = (organizationId: string) =>
  db.selectFrom('audit_events').select(['action', 'actor', 'details']).where('action', 'in', ['operator.org_approve', 'operator.org_reject']).where(({ eb, ref }) => eb(ref('details', '->>').key('organization_id' as never), '=', organizationId)).execute();
/** Every page a test read, to look for a whole Tax ID in. */
const pages: string[] = [];
const seen = (page: Page) => (pages.push(page.html ?? ''), page);

describe('organisation requests in the console', () => {
  it('shows a help-desk member the queue and a request, but refuses them the decision, form and all', async () => {
    const desk = await staffWith('helpdesk');
    const org = await pending('Harbour Dental Group');
    const { agent } = await openConsoleAs(portico, db, desk);

    const queue = seen(await agent.follow(`${portico.url}/admin/orgs`));
    expect(queue.response.status).toBe(200);
    expect(queue.html).toContain(`href="/admin/orgs/${org.id}"`);
    expect(queue.html).toContain('Harbour Dental Group');
    expect(queue.html).toContain(`ending in ${org.last4}`);
    expect(queue.html).toContain(org.user.username);

    const detail = seen(await agent.follow(`${portico.url}/admin/orgs/${org.id}`));
    expect(detail.html).toContain('Only operators may approve or reject');
    expect(detail.html).not.toContain(`/admin/orgs/${org.id}/approve`);
    expect((await agent.request(`${portico.url}/admin/orgs/${org.id}/approve`)).status).toBe(403);
    const refused = await agent.request(`${portico.url}/admin/orgs/${org.id}/approve`, { form: { csrf: csrfOf(detail), reason: 'Looks fine to me' } });
    expect(refused.status).toBe(403);
    expect(await statusOf(org.id)).toBe('pending');
    expect(await decisions(org.id)).toEqual([]);
  });

  it('lets an operator approve with a reason, refusing a blank one beside the field and a forged form; audited with the operator and the reason', async () => {
    const operator = await staffWith('operator');
    const org = await pending('Cedar Street Clinic');
    const { agent } = await openConsoleAs(portico, db, operator);
    const detail = seen(await agent.follow(`${portico.url}/admin/orgs/${org.id}`));
    expect(detail.html).toContain(`href="/admin/orgs/${org.id}/approve"`);
    const confirm = seen(await agent.follow(`${portico.url}/admin/orgs/${org.id}/approve`));
    expect(confirm.html).toContain('the person who asked becomes its administrator');

    const blank = seen(await agent.follow(`${portico.url}/admin/orgs/${org.id}/approve`, { form: { csrf: csrfOf(confirm), reason: '  ' } }));
    expect(blank.response.status).toBe(400);
    expect(blank.html).toMatch(/aria-describedby="reason-hint reason-error"/);
    expect(blank.html).toContain('id="reason-error">Give a reason.');
    const tooLong = await agent.follow(`${portico.url}/admin/orgs/${org.id}/approve`, { form: { csrf: csrfOf(confirm), reason: 'x'.repeat(501) } });
    expect(tooLong.response.status).toBe(400);
    const forged = await agent.request(`${portico.url}/admin/orgs/${org.id}/approve`, { form: { csrf: 'forged', reason: 'Checked the registry' } });
    expect(forged.status).toBe(403);
    expect(await statusOf(org.id)).toBe('pending');

    const done = seen(await agent.follow(`${portico.url}/admin/orgs/${org.id}/approve`, { form: { csrf: csrfOf(confirm), reason: 'Checked the state registry, ticket 812' } }));
    expect(done.url).toBe(`${portico.url}/admin/orgs/${org.id}?done=approved`);
    expect(done.html).toContain('Cedar Street Clinic was approved');
    expect(await statusOf(org.id)).toBe('approved');
    expect(await decisions(org.id)).toEqual([{ action: 'operator.org_approve', actor: `account:${operator.id}`, details: expect.objectContaining({ via: 'console', reason: 'Checked the state registry, ticket 812', tax_id_last4: org.last4 }) }]);
    const membership = await db.selectFrom('memberships').select('roles').where('organization_id', '=', org.id).where('account_id', '=', org.user.id).executeTakeFirst();
    expect(membership?.roles).toContain('admin');

    // Decided already: a second decision changes nothing and says so.
    const again = await agent.follow(`${portico.url}/admin/orgs/${org.id}/reject`, { form: { csrf: csrfOf(confirm), reason: 'Too late' } });
    expect(again.url).toBe(`${portico.url}/admin/orgs/${org.id}?done=decided`);
    expect(await statusOf(org.id)).toBe('approved');
    expect(await decisions(org.id)).toHaveLength(1);
  });

  it('lets an operator reject, mailing the requester the reason as one line, and leaves the queue without it', async () => {
    const operator = await staffWith('operator');
    const org = await pending('Bayview Optics');
    const { agent } = await openConsoleAs(portico, db, operator);
    const confirm = seen(await agent.follow(`${portico.url}/admin/orgs/${org.id}/reject`));
    const done = await agent.follow(`${portico.url}/admin/orgs/${org.id}/reject`, { form: { csrf: csrfOf(confirm), reason: 'The Tax ID does not match\r\nthe legal name.' } });
    expect(done.url).toBe(`${portico.url}/admin/orgs/${org.id}?done=rejected`);
    expect(await db.selectFrom('organizations').select(['status', 'reason']).where('id', '=', org.id).executeTakeFirst()).toEqual({ status: 'rejected', reason: 'The Tax ID does not match the legal name.' });
    const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', org.user.email).where('template', '=', 'org-rejected').executeTakeFirstOrThrow();
    expect(mail.text_body).toContain('The Tax ID does not match the legal name.');
    expect((await decisions(org.id))[0]).toMatchObject({ action: 'operator.org_reject', actor: `account:${operator.id}` });
    expect(seen(await agent.follow(`${portico.url}/admin/orgs`)).html).not.toContain(`/admin/orgs/${org.id}"`);
  });

  it('asks for a new sign-in before a decision when the last one is over ten minutes old, and answers 400 to a forged page cursor', async () => {
    const operator = await staffWith('operator');
    const org = await pending('Lakeshore Hearing');
    const { agent } = await openConsoleAs(portico, db, operator);
    const detail = await agent.follow(`${portico.url}/admin/orgs/${org.id}`);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11 * 60_000 });
    try {
      const stale = await agent.request(`${portico.url}/admin/orgs/${org.id}/approve`, { form: { csrf: csrfOf(detail), reason: 'Checked' } });
      expect(stale.status).toBe(303);
      expect(new URL(stale.headers.get('location')!).searchParams.get('prompt')).toBe('login');
    } finally {
      vi.useRealTimers();
    }
    expect(await statusOf(org.id)).toBe('pending');
    expect((await agent.request(`${portico.url}/admin/orgs?cursor=forged`)).status).toBe(400);
  });

  it('never shows a whole Tax ID', () => {
    expect(pages.length).toBeGreaterThan(5);
    for (const digits of typedTaxIds) for (const html of pages) expect(html.includes(digits) || html.includes(`${digits.slice(0, 2)}-${digits.slice(2)}`)).toBe(false);
  });
});
