import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import type { Db } from '../../src/storage/database.js';
import { openConsole as openConsoleAs, runCli, type Page } from '../support/console.js';
import { usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { hiddenInput } from '../support/user-agent.js';

/*
 * The help-desk console at /admin: signed in through the account pages' client with the second
 * step demanded, open only to IDs with a staff role (granted with `portico staff`), and its
 * Unlock audited with the staff member's ID as the actor, after a sign-in at most ten minutes old.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)));

/** With security answers, so the sign-in after the emailed code asks for nothing more. */
const newUser = () => portico.createUser({ withAnswers: true });

const run = (...argv: string[]) => runCli(portico, db, ...argv);
const openConsole = (user: { username: string; email: string; password: string }) => openConsoleAs(portico, db, user);

const consoleEvents = (accountId: string) => db.selectFrom('audit_events').select(['action', 'actor', 'client_id']).where('account_id', '=', accountId).where('action', 'like', 'operator.%').orderBy('id').execute();
const lock = (accountId: string) =>
  db.updateTable('accounts').set({ status: 'disabled', lock_reason: 'failed_passwords', failed_password_count: 5, locked_at: new Date() }).where('id', '=', accountId).execute();

describe('the help-desk console', () => {
  it('answers 403 to a person without a staff role, after a sign-in with the second step, saying nothing of roles', async () => {
    const user = await newUser();
    const { page } = await openConsole(user);
    expect(new URL(page.url).pathname).toBe('/account/callback');
    expect(page.response.status).toBe(403);
    expect(page.html).toContain('This page is not available to your ID.');
    expect(page.html!.replace(/<[^>]*>/g, ' ')).not.toMatch(/helpdesk|operator|staff|role/i);
  });

  it('lets a helpdesk member search, open a user and unlock a locked ID, audited with the member as actor', async () => {
    const staff = await newUser();
    const target = await newUser();
    expect((await run('staff', 'grant', staff.username, 'helpdesk')).code).toBe(0);
    await lock(target.id);
    const { agent, page } = await openConsole(staff);
    expect([page.response.status, page.url]).toEqual([200, `${portico.url}/admin/users`]);

    const results = await agent.follow(`${portico.url}/admin/users?q=${encodeURIComponent(target.username)}`);
    expect(results.html).toContain(`href="/admin/users/${target.id}"`);
    const user = await agent.follow(`${portico.url}/admin/users/${target.id}`);
    expect(user.html).toContain('Locked or disabled');
    expect(user.html).toContain(target.email);

    expect(user.html).toContain(`href="/admin/users/${target.id}/unlock"`);
    const confirm = await agent.follow(`${portico.url}/admin/users/${target.id}/unlock`);
    expect(confirm.html).toContain('Unlock re-enables a locked ID');
    const unlocked = await agent.follow(`${portico.url}/admin/users/${target.id}/unlock`, { form: { csrf: hiddenInput(confirm.html!, 'csrf')!, reason: 'Caller proved who they are' } });
    expect(unlocked.url).toBe(`${portico.url}/admin/users/${target.id}?done=unlocked`);
    expect(unlocked.html).toContain(`${target.username} was unlocked and can sign in again.`);
    expect(await findAccountById(db, target.id)).toMatchObject({ status: 'active', failed_password_count: 0 });
    expect(await consoleEvents(target.id)).toEqual([{ action: 'operator.unlock', actor: `account:${staff.id}`, client_id: null }]);

    // A form without the console's token changes nothing.
    const forged = await agent.request(`${portico.url}/admin/users/${target.id}/unlock`, { form: { csrf: 'forged' } });
    expect(forged.status).toBe(403);

    // The person can sign in again.
    const rp = await RelyingParty.discover(portico.url);
    const signedIn = await rp.signIn(target.username, target.password);
    expect(signedIn.tokens.id_token).toBeTruthy();
  });

  it('refuses an unlock with a sign-in older than ten minutes and sends the member to sign in again', async () => {
    const staff = await newUser();
    const target = await newUser();
    await run('staff', 'grant', staff.username, 'helpdesk');
    await lock(target.id);
    const { agent } = await openConsole(staff);
    const user = await agent.follow(`${portico.url}/admin/users/${target.id}`);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11 * 60_000 });
    try {
      const stale = await agent.request(`${portico.url}/admin/users/${target.id}/unlock`, { form: { csrf: hiddenInput(user.html!, 'csrf')!, reason: 'Caller proved who they are' } });
      expect(stale.status).toBe(303);
      const signIn = new URL(stale.headers.get('location')!);
      expect([signIn.pathname, signIn.searchParams.get('prompt'), signIn.searchParams.get('acr_values')]).toEqual(['/auth', 'login', 'urn:portico:acr:second-step']);
    } finally {
      vi.useRealTimers();
    }
    expect((await findAccountById(db, target.id))!.status).toBe('disabled');
    expect(await consoleEvents(target.id)).toEqual([]);
  });

  it('shuts the console once the role is revoked', async () => {
    const staff = await newUser();
    await run('staff', 'grant', staff.username, 'operator');
    const { agent } = await openConsole(staff);
    await run('staff', 'revoke', staff.username, 'operator');
    expect((await agent.request(`${portico.url}/admin/users`)).status).toBe(403);
  });
});

describe('the console\'s actions', () => {
  const csrfOf = (page: Page) => hiddenInput(page.html!, 'csrf')!;
  const text = (page: Page) => page.html!.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');

  it('refuses an action without a reason beside the field and changes nothing; with one it acts and the trail shows who and why', async () => {
    const staff = await newUser();
    const target = await newUser();
    await run('staff', 'grant', staff.username, 'helpdesk');
    const { agent } = await openConsole(staff);
    const confirm = await agent.follow(`${portico.url}/admin/users/${target.id}/disable`);
    expect(confirm.response.status).toBe(200);
    expect(confirm.html).toContain('<textarea id="reason" name="reason"');

    const blank = await agent.follow(`${portico.url}/admin/users/${target.id}/disable`, { form: { csrf: csrfOf(confirm), reason: '   ' } });
    expect(blank.response.status).toBe(400);
    expect(blank.html).toContain('aria-invalid="true"');
    expect(blank.html).toContain('<p class="field-error" id="reason-error">Give a reason.</p>');
    const tooLong = await agent.follow(`${portico.url}/admin/users/${target.id}/disable`, { form: { csrf: csrfOf(confirm), reason: 'x'.repeat(501) } });
    expect(tooLong.html).toContain('Use at most 500 characters.');
    expect((await findAccountById(db, target.id))!.status).toBe('active');
    expect(await consoleEvents(target.id)).toEqual([]);

    const done = await agent.follow(`${portico.url}/admin/users/${target.id}/disable`, { form: { csrf: csrfOf(confirm), reason: 'Reported stolen phone, ticket 4411' } });
    expect(done.url).toBe(`${portico.url}/admin/users/${target.id}?done=disable`);
    expect(done.html).toContain(`${target.username} was disabled.`);
    expect((await findAccountById(db, target.id))!.status).toBe('disabled');
    const events = await db.selectFrom('audit_events').select(['action', 'actor', 'details']).where('account_id', '=', target.id).where('action', '=', 'operator.disable').execute();
    expect(events).toMatchObject([{ actor: `account:${staff.id}`, details: { via: 'console', reason: 'Reported stolen phone, ticket 4411', changed: true } }]);
    expect(text(done)).toMatch(new RegExp(`operator\\.disable ${staff.username} Reported stolen phone, ticket 4411`));

    // Another action: the type, with its own field.
    const typeForm = await agent.follow(`${portico.url}/admin/users/${target.id}/set-type`);
    const unknown = await agent.follow(`${portico.url}/admin/users/${target.id}/set-type`, { form: { csrf: csrfOf(typeForm), reason: 'Wrong type', type: 'nope' } });
    expect(unknown.html).toContain('Choose one of the account types listed.');
    expect((await findAccountById(db, target.id))!.account_type).toBe('member');
  });

  it('keeps help-desk staff off operators\' and other staff\'s IDs; an operator may act on help-desk staff but not on operators', async () => {
    const desk = await newUser();
    const otherDesk = await newUser();
    const operator = await newUser();
    const otherOperator = await newUser();
    await run('staff', 'grant', desk.username, 'helpdesk');
    await run('staff', 'grant', otherDesk.username, 'helpdesk');
    await run('staff', 'grant', operator.username, 'operator');
    await run('staff', 'grant', otherOperator.username, 'operator');

    const { agent } = await openConsole(desk);
    for (const target of [operator, otherDesk]) {
      const page = await agent.follow(`${portico.url}/admin/users/${target.id}`);
      expect(page.html).not.toContain(`href="/admin/users/${target.id}/disable"`);
      expect(page.html).toContain('you cannot act on it');
      expect((await agent.request(`${portico.url}/admin/users/${target.id}/disable`)).status).toBe(403);
      const refused = await agent.request(`${portico.url}/admin/users/${target.id}/disable`, { form: { csrf: csrfOf(page), reason: 'Trying my luck' } });
      expect(refused.status).toBe(403);
      expect((await findAccountById(db, target.id))!.status).toBe('active');
      expect((await consoleEvents(target.id)).filter((e) => e.action === 'operator.disable')).toEqual([]);
    }

    const ops = await openConsole(operator);
    const onOperator = await ops.agent.request(`${portico.url}/admin/users/${otherOperator.id}/disable`, { form: { csrf: csrfOf(ops.page), reason: 'Peer' } });
    expect(onOperator.status).toBe(403);
    expect((await findAccountById(db, otherOperator.id))!.status).toBe('active');
    const onDesk = await ops.agent.request(`${portico.url}/admin/users/${desk.id}/end-sessions`, { form: { csrf: csrfOf(ops.page), reason: 'Left the team' } });
    expect([onDesk.status, onDesk.headers.get('location')]).toEqual([303, `/admin/users/${desk.id}?done=end_sessions`]);
  });

  it('lets only an operator delete an ID, with a reason and its username typed out', async () => {
    const desk = await newUser();
    const operator = await newUser();
    const target = await newUser();
    await run('staff', 'grant', desk.username, 'helpdesk');
    await run('staff', 'grant', operator.username, 'operator');

    const help = await openConsole(desk);
    const deskView = await help.agent.follow(`${portico.url}/admin/users/${target.id}`);
    expect(deskView.html).toContain(`href="/admin/users/${target.id}/disable"`);
    expect(deskView.html).not.toContain(`href="/admin/users/${target.id}/delete"`);
    expect((await help.agent.request(`${portico.url}/admin/users/${target.id}/delete`)).status).toBe(403);
    const refused = await help.agent.request(`${portico.url}/admin/users/${target.id}/delete`, { form: { csrf: csrfOf(deskView), reason: 'Asked to be forgotten', username: target.username } });
    expect(refused.status).toBe(403);
    expect(await findAccountById(db, target.id)).toBeDefined();

    const ops = await openConsole(operator);
    const opView = await ops.agent.follow(`${portico.url}/admin/users/${target.id}`);
    expect(opView.html).toContain(`href="/admin/users/${target.id}/delete"`);
    const confirm = await ops.agent.follow(`${portico.url}/admin/users/${target.id}/delete`);
    expect(confirm.html).toContain('<input id="username" name="username"');
    const wrong = await ops.agent.follow(`${portico.url}/admin/users/${target.id}/delete`, { form: { csrf: csrfOf(confirm), reason: 'Asked to be forgotten', username: `${target.username}x` } });
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('<p class="field-error" id="username-error">Type the username exactly as shown.</p>');
    expect(await findAccountById(db, target.id)).toBeDefined();
    expect(await consoleEvents(target.id)).toEqual([]);

    const done = await ops.agent.follow(`${portico.url}/admin/users/${target.id}/delete`, { form: { csrf: csrfOf(confirm), reason: 'Asked to be forgotten, ticket 77', username: target.username } });
    expect(done.url).toBe(`${portico.url}/admin/users?done=deleted`);
    expect(done.html).toContain('<div class="notice" role="status">The ID was deleted.</div>');
    expect(await findAccountById(db, target.id)).toBeUndefined();
    const events = await db.selectFrom('audit_events').select(['actor', 'details']).where('action', '=', 'operator.delete').where('actor', '=', `account:${operator.id}`).execute();
    expect(events).toMatchObject([{ details: { via: 'console', reason: 'Asked to be forgotten, ticket 77' } }]);
  });

  it('pages through more than 50 results with a Next link', async () => {
    const staff = await newUser();
    await run('staff', 'grant', staff.username, 'helpdesk');
    const prefix = `pg${Date.now().toString(36)}`;
    await db
      .insertInto('accounts')
      .values(Array.from({ length: 53 }, (_, i) => ({ id: randomUUID(), username: `${prefix}-${String(i).padStart(2, '0')}`, email: `${prefix}-${i}@example.com`, given_name: 'Page', family_name: 'Test', password_hash: 'x' })))
      .execute();
    const { agent } = await openConsole(staff);
    const first = await agent.follow(`${portico.url}/admin/users?q=${prefix}`);
    expect(first.html!.match(/href="\/admin\/users\/[0-9a-f-]{36}"/g)).toHaveLength(50);
    expect(first.html).toContain(`${prefix}-49<`);
    const next = /<a href="([^"]+)" rel="next">Next<\/a>/.exec(first.html!)![1]!.replace(/&amp;/g, '&');
    const second = await agent.follow(`${portico.url}${next}`);
    expect(second.html!.match(/href="\/admin\/users\/[0-9a-f-]{36}"/g)).toHaveLength(3);
    expect(second.html).toContain(`${prefix}-52<`);
    expect(second.html).not.toContain(`${prefix}-49<`);
    expect(second.html).not.toContain('rel="next"');
    expect((await agent.request(`${portico.url}/admin/users?q=${prefix}&cursor=garbage`)).status).toBe(400);
  });
});

describe('portico staff', () => {
  it('grants, lists and revokes roles, each audited naming the operator', async () => {
    const user = await newUser();
    expect(await run('staff', 'grant', user.username, 'helpdesk')).toEqual({ code: 0, out: `${user.username} is now helpdesk`, err: '' });
    expect(await run('staff', 'grant', user.email, 'helpdesk')).toEqual({ code: 0, out: `${user.username} was already helpdesk`, err: '' });
    expect((await run('staff', 'list')).out).toMatch(new RegExp(`^${user.username}\\thelpdesk\\tgranted \\S+ by operator:desk-ann$`, 'm'));
    expect(await run('staff', 'revoke', user.username, 'helpdesk')).toEqual({ code: 0, out: `${user.username} is no longer helpdesk`, err: '' });
    expect(await run('staff', 'revoke', user.username, 'helpdesk')).toEqual({ code: 0, out: `${user.username} was not helpdesk`, err: '' });
    expect((await run('staff', 'list')).out).not.toContain(user.username);
    expect((await consoleEvents(user.id)).map((e) => [e.action, e.actor])).toEqual([
      ['operator.staff_grant', 'operator:desk-ann'],
      ['operator.staff_grant', 'operator:desk-ann'],
      ['operator.staff_revoke', 'operator:desk-ann'],
      ['operator.staff_revoke', 'operator:desk-ann'],
    ]);
  });

  it('refuses an unknown role or ID', async () => {
    const user = await newUser();
    expect(await run('staff', 'grant', user.username, 'root')).toMatchObject({ code: 2, err: 'unknown role "root" (helpdesk, operator)' });
    expect(await run('staff', 'grant', 'nobody-here', 'helpdesk')).toMatchObject({ code: 1, err: 'no ID with username or email "nobody-here"' });
  });
});

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
describe.skipIf(!existsSync(chromium))('accessibility (axe-core, WCAG 2.1 AA)', () => {
  it('the console search page, a user page and refused confirmations have no violations', async () => {
    const staff = await newUser();
    await run('staff', 'grant', staff.username, 'helpdesk');
    const { agent } = await openConsole(staff);
    const { launchBrowser, accessibilityViolations } = await import('../support/browser.js');
    const chrome = await launchBrowser();
    try {
      const context = await chrome.newContext();
      await context.addCookies([{ name: 'portico_console', value: agent.cookies.get('portico_console')!, url: portico.url, httpOnly: true, sameSite: 'Lax' }]);
      const page = await context.newPage();
      await page.goto(`${portico.url}/admin/users?q=${encodeURIComponent(staff.username)}`);
      await page.getByRole('link', { name: staff.username }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);

      // A user page with its actions and trail, and a confirmation refused for want of a reason.
      const target = await newUser();
      const confirm = await agent.follow(`${portico.url}/admin/users/${target.id}/forget-devices`);
      await agent.follow(`${portico.url}/admin/users/${target.id}/forget-devices`, { form: { csrf: hiddenInput(confirm.html!, 'csrf')!, reason: 'New laptop' } });
      await page.goto(`${portico.url}/admin/users/${target.id}`);
      await page.getByRole('cell', { name: 'New laptop' }).waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.goto(`${portico.url}/admin/users/${target.id}/set-type`);
      await page.getByRole('button', { name: 'Change the account type' }).click();
      await page.getByText('Give a reason.').waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);

      // The deletion's confirmation (operators only), refused for a username typed wrong.
      await run('staff', 'grant', staff.username, 'operator');
      await page.goto(`${portico.url}/admin/users/${target.id}/delete`);
      await page.getByLabel('Reason', { exact: true }).fill('Asked to be forgotten');
      await page.getByRole('textbox', { name: /Type the username/ }).fill('not-the-username');
      await page.getByRole('button', { name: 'Delete this ID' }).click();
      await page.getByText('Type the username exactly as shown.').waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
    } finally {
      await chrome.close();
    }
  }, 240_000); // Four pages through axe in Chromium: slow on a busy machine.
});
