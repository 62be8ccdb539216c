import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import type { CommandContext } from '../../src/cli/context.js';
import { findAccountById } from '../../src/identity/accounts.js';
import { hashAnswers, saveAnswers } from '../../src/identity/registration/security-answers.js';
import { confirmAuthenticatorApp, enrolmentSecret } from '../../src/identity/second-step/authenticator-app.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import type { Db } from '../../src/storage/database.js';
import { usePortico, TEST_ANSWERS, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';

/*
 * The help desk's commands, run in-process through runCommand as the CLI and
 * the control channel run them: output, effect on the account, and the audit event naming the
 * operator. Their effect on the next sign-in is in second-step.test.ts.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { config: portico.config, db: async () => db, out: (l) => void out.push(l), err: (l) => void err.push(l), operator: 'desk-ann' };
  const code = await runCommand(argv, ctx);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function operatorEvents(accountId: string) {
  return db.selectFrom('audit_events').select(['action', 'actor']).where('account_id', '=', accountId).where('action', 'like', 'operator.%').orderBy('id').execute();
}

describe('portico users (help desk)', () => {
  it('show: status, lock, failures, questions and remembered devices of an ID, by username or email', async () => {
    const user = await portico.createUser();
    await saveAnswers(db, user.id, await hashAnswers(new PasswordHasher(portico.config.policy.argon2), TEST_ANSWERS));
    await db.updateTable('accounts').set({ status: 'disabled', lock_reason: 'failed_passwords', failed_password_count: 5, locked_at: new Date('2026-11-01T10:00:00Z') }).where('id', '=', user.id).execute();
    const shown = await run('users', 'show', user.email.toUpperCase());
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`username:            ${user.username}`);
    expect(shown.out).toContain('status:              disabled (failed_passwords, since 2026-11-01T10:00:00.000Z)');
    expect(shown.out).toContain('failed sign-ins:     5 password, 0 security answers');
    expect(shown.out).toContain('security questions:  set');
    expect(shown.out).toMatch(/trusted devices: +1\n {2}test device: added /);
    expect(shown.out).toContain('last sign-in:        never');
  });

  it('unlock re-enables a locked ID and clears its failures; a second unlock says there was nothing to do', async () => {
    const user = await portico.createUser();
    await db.updateTable('accounts').set({ status: 'disabled', lock_reason: 'failed_answers', failed_answer_count: 5, locked_at: new Date() }).where('id', '=', user.id).execute();
    expect(await run('users', 'unlock', user.username)).toEqual({ code: 0, out: `unlocked ${user.username}`, err: '' });
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'active', lock_reason: null, locked_at: null, failed_answer_count: 0 });
    expect(await run('users', 'unlock', user.username)).toEqual({ code: 0, out: `${user.username} was not locked`, err: '' });
    expect(await operatorEvents(user.id)).toEqual([
      { action: 'operator.unlock', actor: 'operator:desk-ann' },
      { action: 'operator.unlock', actor: 'operator:desk-ann' },
    ]);
  });

  it('disable and enable', async () => {
    const user = await portico.createUser();
    expect((await run('users', 'disable', user.username)).out).toBe(`disabled ${user.username}`);
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'disabled', lock_reason: 'operator' });
    expect((await run('users', 'enable', user.username)).out).toBe(`enabled ${user.username}`);
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'active', lock_reason: null });
    expect((await operatorEvents(user.id)).map((e) => e.action)).toEqual(['operator.disable', 'operator.enable']);
  });

  it('forget-devices revokes every remembered device; reset-security-questions deletes the answers', async () => {
    const user = await portico.createUser();
    await saveAnswers(db, user.id, await hashAnswers(new PasswordHasher(portico.config.policy.argon2), TEST_ANSWERS));
    expect((await run('users', 'forget-devices', user.username)).out).toBe(`forgot the remembered devices of ${user.username}`);
    const devices = await db.selectFrom('trusted_devices').select('revoked_at').where('account_id', '=', user.id).execute();
    expect(devices).toHaveLength(1);
    expect(devices[0]!.revoked_at).toBeInstanceOf(Date);
    expect((await run('users', 'forget-devices', user.username)).out).toBe(`${user.username} had no remembered devices`);
    expect((await run('users', 'reset-security-questions', user.username)).out).toBe(`reset the security questions of ${user.username}`);
    expect(await db.selectFrom('security_answers').select('question_id').where('account_id', '=', user.id).execute()).toEqual([]);
    expect((await operatorEvents(user.id)).map((e) => e.action)).toEqual(['operator.forget_devices', 'operator.forget_devices', 'operator.reset_security_questions']);
  });

  it('reset-phone removes a lost number, and tells the owner by email', async () => {
    const user = await portico.createUser();
    expect((await run('users', 'show', user.username)).out).toContain('phone:               not set up');
    await db.insertInto('phone_numbers').values({ account_id: user.id, e164: '+12015550142' }).execute();
    const shown = (await run('users', 'show', user.username)).out;
    expect(shown).toContain('phone:               ending in 42');
    expect(shown).not.toContain('2015550142');
    expect(await run('users', 'reset-phone', user.username)).toEqual({ code: 0, out: `removed the phone number of ${user.username}`, err: '' });
    expect(await db.selectFrom('phone_numbers').select('account_id').where('account_id', '=', user.id).execute()).toEqual([]);
    expect((await run('users', 'reset-phone', user.username)).out).toBe(`${user.username} had no phone number`);
    const mails = await db.selectFrom('mail_outbox').select('text_body').where('account_id', '=', user.id).where('template', '=', 'account-changed').execute();
    expect(mails.map((m) => m.text_body).join('\n')).toContain('The help desk removed the phone number from your');
    expect((await operatorEvents(user.id)).map((e) => [e.action, e.actor])).toEqual([['operator.reset_phone', 'operator:desk-ann'], ['operator.reset_phone', 'operator:desk-ann']]);
  });

  it('reset-authenticator-app removes a lost app and its recovery codes, and tells the owner by email', async () => {
    const user = await portico.createUser();
    expect((await run('users', 'show', user.username)).out).toContain('authenticator app:   not set up');
    const secret = (await enrolmentSecret(db, user.id))!;
    // The code the person's app shows now, as otplib computes it for the app.
    const code = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) });
    expect(await confirmAuthenticatorApp(db, (await findAccountById(db, user.id))!, code)).toMatchObject({ ok: true });
    expect((await run('users', 'show', user.username)).out).toContain('authenticator app:   set up, 10 recovery codes left');

    expect(await run('users', 'reset-authenticator-app', user.username)).toEqual({ code: 0, out: `removed the authenticator app of ${user.username}`, err: '' });
    expect(await db.selectFrom('authenticator_apps').select('account_id').where('account_id', '=', user.id).execute()).toEqual([]);
    expect(await db.selectFrom('authenticator_recovery_codes').select('account_id').where('account_id', '=', user.id).execute()).toEqual([]);
    expect((await run('users', 'show', user.username)).out).toContain('authenticator app:   not set up');
    expect((await run('users', 'reset-authenticator-app', user.username)).out).toBe(`${user.username} had no authenticator app`);
    const mails = await db.selectFrom('mail_outbox').select('text_body').where('account_id', '=', user.id).where('template', '=', 'account-changed').orderBy('created_at').execute();
    expect(mails).toHaveLength(2);
    expect(mails[1]!.text_body).toContain('The help desk removed the authenticator app from your');
    expect((await operatorEvents(user.id)).map((e) => [e.action, e.actor])).toEqual([
      ['operator.reset_authenticator_app', 'operator:desk-ann'],
      ['operator.reset_authenticator_app', 'operator:desk-ann'],
    ]);
  });

  it('reset-passkeys removes every passkey of a person whose devices were lost, lists them before, and tells the owner by email', async () => {
    const user = await portico.createUser();
    for (const name of ['Work laptop', 'Phone']) {
      await db.insertInto('passkeys').values({ credential_id: `cred-${name.length}-${user.id}`, account_id: user.id, public_key: Buffer.from([1, 2, 3]), name }).execute();
    }
    const shown = (await run('users', 'show', user.username)).out;
    expect(shown).toContain('passkeys:            2');
    expect(shown).toMatch(/^ {2}Work laptop: added \d{4}-/m);

    expect(await run('users', 'reset-passkeys', user.username)).toEqual({ code: 0, out: `removed the passkeys of ${user.username}`, err: '' });
    expect(await db.selectFrom('passkeys').select('credential_id').where('account_id', '=', user.id).execute()).toEqual([]);
    expect((await run('users', 'reset-passkeys', user.username)).out).toBe(`${user.username} had no passkeys`);
    const mails = await db.selectFrom('mail_outbox').select('text_body').where('account_id', '=', user.id).where('template', '=', 'account-changed').execute();
    expect(mails.map((m) => m.text_body.includes('The help desk removed every passkey from your'))).toEqual([true]);
    expect((await operatorEvents(user.id)).map((e) => [e.action, e.actor])).toEqual([
      ['operator.reset_passkeys', 'operator:desk-ann'],
      ['operator.reset_passkeys', 'operator:desk-ann'],
    ]);
  });

  it('set-type gives an ID a declared type, refuses an undeclared one in one line, and create --type sets it from the start', async () => {
    const user = await portico.createUser();
    expect(await run('users', 'set-type', user.username, 'dentist')).toEqual({ code: 1, out: '', err: 'unknown account type "dentist" (declared in account_types: member, provider, employer, broker)' });
    expect(await run('users', 'set-type', user.username, 'provider')).toEqual({ code: 0, out: `${user.username} is now of type provider`, err: '' });
    expect((await run('users', 'set-type', user.email, 'provider')).out).toBe(`${user.username} was already of type provider`);
    expect((await run('users', 'show', user.username)).out).toContain('account type:        provider');
    const events = await db.selectFrom('audit_events').select(['action', 'actor', 'details']).where('account_id', '=', user.id).where('action', '=', 'operator.set_type').orderBy('id').execute();
    expect(events.map((e) => [e.actor, e.details])).toEqual([
      ['operator:desk-ann', expect.objectContaining({ from: 'member', to: 'provider', changed: true })],
      ['operator:desk-ann', expect.objectContaining({ from: 'provider', to: 'provider', changed: false })],
    ]);
    expect(await run('users', 'set-type', user.username)).toEqual({ code: 2, out: '', err: 'usage: portico users set-type <username|email> <type>' });

    const create = (type: string) => runCommand(['users', 'create', '--username', `broker${type.length}x${Date.now()}`, '--email', `b${type.length}.${Date.now()}@example.com`, '--given-name', 'Bo', '--family-name', 'Ker', '--type', type, '--password-stdin'], {
      config: portico.config, db: async () => db, out: () => undefined, err: (l) => void errors.push(l), operator: 'desk-ann', stdinPassword: 'Correct7Horse',
    });
    const errors: string[] = [];
    expect(await create('dentist')).toBe(1);
    expect(errors).toEqual(['--type: unknown account type "dentist" (declared in account_types: member, provider, employer, broker)']);
    expect(await create('broker')).toBe(0);
    const created = await db.selectFrom('accounts').select('account_type').where('username', 'like', 'broker6x%').executeTakeFirstOrThrow();
    expect(created.account_type).toBe('broker');
  });

  it('require-password-change makes the next sign-in ask for a new password', async () => {
    const user = await portico.createUser();
    expect(await run('users', 'require-password-change', user.username)).toEqual({ code: 0, out: `will ask for a new password at the next sign-in of ${user.username}`, err: '' });
    expect((await run('users', 'require-password-change', user.username)).out).toBe(`${user.username} already had to change its password`);
    expect((await operatorEvents(user.id)).map((e) => [e.action, e.actor])).toEqual([
      ['operator.require_password_change', 'operator:desk-ann'],
      ['operator.require_password_change', 'operator:desk-ann'],
    ]);
    const rp = await RelyingParty.discover(portico.url);
    const request = await rp.authorizationRequest();
    const page = await rp.submitSignIn(await rp.browser.follow(request.url), user.username, user.password);
    // The new_password prompt is the interaction's own page.
    expect(page.html).toContain('Update your password');
  });

  it('answers an unknown ID with exit 1 and a missing one with usage, exit 2', async () => {
    expect(await run('users', 'unlock', 'nobody-at-all')).toEqual({ code: 1, out: '', err: 'no ID with username or email "nobody-at-all"' });
    expect(await run('users', 'show')).toEqual({ code: 2, out: '', err: 'usage: portico users show <username|email>' });
    expect((await run('users', 'frobnicate', 'x')).code).toBe(2);
  });
});
