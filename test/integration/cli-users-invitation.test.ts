import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import type { CommandContext } from '../../src/cli/context.js';
import { findAccountById } from '../../src/identity/accounts.js';
import type { Db } from '../../src/storage/database.js';
import { usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { hiddenInput } from '../support/user-agent.js';

/*
 * `portico users create` without --password-stdin: the ID is made with no usable password and
 * its address unproved, and a mail carries a single-use link, valid 72 hours, to choose one.
 * Run in-process through runCommand, as the CLI and the control channel run it.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)));

let counter = 0;
async function create(stdinPassword?: string) {
  const n = `${Date.now().toString(36)}${++counter}`;
  const username = `invitee${n}`;
  const email = `invitee.${n}@example.com`;
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { config: portico.config, db: async () => db, out: (l) => void out.push(l), err: (l) => void err.push(l), operator: 'desk-ann', stdinPassword };
  const argv = ['users', 'create', '--username', username, '--email', email, '--given-name', 'Ines', '--family-name', 'Ruiz', ...(stdinPassword === undefined ? [] : ['--password-stdin'])];
  const code = await runCommand(argv, ctx);
  const account = await db.selectFrom('accounts').selectAll().where('username', '=', username).executeTakeFirst();
  return { code, out: out.join('\n'), err: err.join('\n'), username, email, account };
}

const invitations = (email: string) => db.selectFrom('mail_outbox').selectAll().where(sql`lower(to_address)`, '=', email.toLowerCase()).where('template', '=', 'invitation').execute();

async function invitationToken(email: string): Promise<string> {
  const [mail] = await invitations(email);
  if (!mail) throw new Error(`no invitation mail to ${email}`);
  expect(mail.text_body).toContain(`${portico.config.issuer}/invitation?token=`);
  expect(mail.text_body).toContain('valid for 72 hours');
  return /\/invitation\?token=([A-Za-z0-9_-]{43})/.exec(mail.text_body)![1]!;
}

async function choosePassword(agent: ReturnType<typeof request.agent>, token: string, password: string, confirmPassword = password) {
  const page = await agent.get(`/invitation?token=${token}`);
  if (page.status !== 200) return page;
  return agent.post('/invitation').type('form').send({ csrf: hiddenInput(page.text, 'csrf')!, token, password, confirmPassword });
}

describe('portico users create, without a password', () => {
  it('mails a link that sets a password once, proves the address, and the ID then signs in', async () => {
    const created = await create();
    expect(created.code).toBe(0);
    expect(created.out).toContain(`a link to set a password was mailed to ${created.email}`);
    const before = created.account!;
    expect(before.email_verified_at).toBeNull();
    const token = await invitationToken(created.email);
    // Only the keyed hash of the token is stored.
    const stored = await db.selectFrom('flows').selectAll().where('account_id', '=', before.id).where('kind', '=', 'invitation').executeTakeFirstOrThrow();
    expect(stored.id_hash).not.toContain(token);
    expect(stored.expires_at.getTime() - stored.created_at.getTime()).toBe(72 * 3600 * 1000);

    const agent = request.agent(portico.url);
    const page = await agent.get(`/invitation?token=${token}`).expect(200);
    expect(page.text).toContain('Choose your password');
    expect(page.text).toContain(created.username);
    const weak = await choosePassword(agent, token, 'short');
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('id="password-error"');
    const mismatch = await choosePassword(agent, token, 'Bright7Harbour', 'Bright7Harbor');
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('id="confirmPassword-error"');
    expect((await findAccountById(db, before.id))!.email_verified_at).toBeNull();

    const done = await choosePassword(agent, token, 'Bright7Harbour');
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your password is set');
    const after = (await findAccountById(db, before.id))!;
    expect(after.email_verified_at).toBeInstanceOf(Date);
    const actions = (await db.selectFrom('audit_events').select('action').where('account_id', '=', before.id).orderBy('id').execute()).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['account.created', 'email.verified', 'invitation.accepted', 'password.changed']));
    const createdEvent = await db.selectFrom('audit_events').select(['actor', 'details']).where('account_id', '=', before.id).where('action', '=', 'account.created').executeTakeFirstOrThrow();
    expect(createdEvent).toMatchObject({ actor: 'operator:desk-ann', details: expect.objectContaining({ invitation: true, via: 'cli' }) });

    // The password works: the sign-in page takes it and goes on to the new browser's second step.
    const rp = await RelyingParty.discover(portico.url);
    const next = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), created.username, 'Bright7Harbour');
    expect(next.url).toMatch(/\/interaction\/[^/]+\/access-code$/);

    // Used once: the link now says so, whether opened or posted again.
    const again = await agent.get(`/invitation?token=${token}`);
    expect(again.status).toBe(410);
    expect(again.text).toContain('expired or was already used');
    expect(again.text).toContain('href="/recover/password"');
    const replay = await choosePassword(request.agent(portico.url), token, 'Other8Lighthouse');
    expect(replay.status).toBe(410);
    expect(await db.selectFrom('flows').select('id_hash').where('account_id', '=', before.id).where('kind', '=', 'invitation').execute()).toEqual([]);
  });

  it('refuses an expired link with the page that says how to get a new one', async () => {
    const created = await create();
    const token = await invitationToken(created.email);
    await db.updateTable('flows').set({ expires_at: sql`now() - interval '1 second'` }).where('account_id', '=', created.account!.id).where('kind', '=', 'invitation').execute();
    const page = await request(portico.url).get(`/invitation?token=${token}`);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This link no longer works');
    expect(page.text).toContain('Forgot password?');
    expect((await findAccountById(db, created.account!.id))!.email_verified_at).toBeNull();
  });

  it('with --password-stdin sets that password, counts the address verified and mails no link', async () => {
    const created = await create('Correct7Horse');
    expect(created.code).toBe(0);
    expect(created.out).toBe(`created ${created.username} (${created.account!.id})`);
    expect(created.account!.email_verified_at).toBeInstanceOf(Date);
    expect(await invitations(created.email)).toEqual([]);
  });

  it('holds the username and names to registration\'s rules, creating nothing', async () => {
    const err: string[] = [];
    const ctx: CommandContext = { config: portico.config, db: async () => db, out: () => {}, err: (l) => void err.push(l), operator: 'desk-ann' };
    const code = await runCommand(['users', 'create', '--username', 'ann<b>', '--email', 'ann.b@example.com', '--given-name', 'Ann', '--family-name', 'Bee'], ctx);
    expect([code, err]).toEqual([1, [expect.stringMatching(/^--username: .*</)]]);
    expect(await db.selectFrom('accounts').select('id').where('email', '=', 'ann.b@example.com').execute()).toEqual([]);
  });

  it('refuses --password-stdin with nothing on stdin', async () => {
    const refused = await create('');
    expect(refused).toMatchObject({ code: 2, err: 'no password on stdin (leave out --password-stdin to mail a link to set one)', account: undefined });
  });
});

describe.skipIf(!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'))('accessibility (axe-core, WCAG 2.1 AA)', () => {
  it('the invitation page, refused, done and expired, has no violations', async () => {
    const { launchBrowser, accessibilityViolations } = await import('../support/browser.js');
    const created = await create();
    const token = await invitationToken(created.email);
    const browser = await launchBrowser();
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${portico.url}/invitation?token=${token}`);
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByLabel('New password', { exact: true }).fill('short');
      await page.getByRole('button', { name: 'Save password' }).click();
      await page.locator('#password-error').waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.getByLabel('New password', { exact: true }).fill('Bright7Harbour');
      await page.getByLabel('Type the new password again').fill('Bright7Harbour');
      await page.getByRole('button', { name: 'Save password' }).click();
      await page.getByText('Your password is set').waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
      await page.goto(`${portico.url}/invitation?token=${token}`);
      await page.getByText('This link no longer works').waitFor();
      expect(await accessibilityViolations(page)).toEqual([]);
    } finally {
      await browser.close();
    }
    // Four pages through Chromium and axe: about a minute on a busy two-core machine.
  }, 180_000);
});
