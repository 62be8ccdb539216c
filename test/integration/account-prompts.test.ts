import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { PasswordHasher } from '../../src/identity/passwords.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { oidc, RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput } from '../support/user-agent.js';

/*
 * The terms and new-password steps are custom prompts between login and
 * consent, so they stop a fresh sign-in and an SSO arrival alike; raised argon2 parameters
 * rehash at the next sign-in.
 */

let portico: TestPortico;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-policy-'));
  const policyFile = path.join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ registration: { terms: { version: '2026-11', require_signature: true } } }));
  portico = await startPortico({ env: { POLICY_FILE: policyFile } });
});
afterAll(() => portico?.stop());

type Page = { url: string; html?: string; response: Response };
const title = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.html ?? '')?.[1];
const atPortal = (page: Page) => page.url.startsWith('http://127.0.0.1:9');

async function post(rp: RelyingParty, page: Page, pattern: RegExp, form: Record<string, string>) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return rp.browser.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

async function signIn(rp: RelyingParty, user: { username: string; password: string }) {
  const request = await rp.authorizationRequest();
  const first = await rp.browser.follow(request.url);
  return { request, page: atPortal(first) ? first : await rp.submitSignIn(first, user.username, user.password) };
}

describe('the terms step', () => {
  it('stops a sign-in until the new version is accepted and signed with the account holder\'s name', async () => {
    const user = await portico.createUser({ givenName: 'Ana', familyName: 'Lima' });
    await portico.server.database.db.updateTable('accounts').set({ terms_version: '2025-01' }).where('id', '=', user.id).execute();
    const rp = await RelyingParty.discover(portico.url);
    const { page } = await signIn(rp, user);
    expect(title(page)).toBe('Our terms have changed');
    const unticked = await post(rp, page, /\/terms$/, { signature: 'Ana Lima' });
    expect(unticked.html).toContain('id="accept-error">Tick the box');
    const wrongName = await post(rp, unticked, /\/terms$/, { accept: 'yes', signature: 'Someone Else' });
    expect(wrongName.response.status).toBe(400);
    expect(wrongName.html).toContain('id="signature-error">Type your first and last name');
    expect(wrongName.html).toContain('value="Someone Else"');
    const back = await post(rp, wrongName, /\/terms$/, { accept: 'yes', signature: '  ana   LIMA ' });
    expect(atPortal(back)).toBe(true);
    const account = (await findAccountById(portico.server.database.db, user.id))!;
    expect(account).toMatchObject({ terms_version: '2026-11', terms_signature: 'ana   LIMA' });
    expect(account.terms_accepted_at).toBeInstanceOf(Date);
  });

  it('stops a person already signed in, at the next authorization, when the version moves on', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    expect(atPortal((await signIn(rp, user)).page)).toBe(true);
    await portico.server.database.db.updateTable('accounts').set({ terms_version: '2025-01' }).where('id', '=', user.id).execute();
    const sso = await rp.browser.follow((await rp.authorizationRequest()).url);
    expect(title(sso)).toBe('Our terms have changed');
  });
});

describe('the first terms an ID accepts', () => {
  it('asks a person an operator created or imported (no version accepted yet) to read and accept them, not that they changed', async () => {
    const user = await portico.createUser({ givenName: 'Olu', familyName: 'Ade' });
    // As `portico users create` and the import leave it.
    await portico.server.database.db.updateTable('accounts').set({ terms_version: null, terms_accepted_at: null }).where('id', '=', user.id).execute();
    const rp = await RelyingParty.discover(portico.url);
    const { page } = await signIn(rp, user);
    expect(title(page)).toBe('Please read and accept our terms');
    expect(page.html).not.toContain('Our terms have changed');
    expect(page.html).not.toContain('the new <a');
    const back = await post(rp, page, /\/terms$/, { accept: 'yes', signature: 'Olu Ade' });
    expect(atPortal(back)).toBe(true);
    expect((await findAccountById(portico.server.database.db, user.id))!.terms_version).toBe('2026-11');
  });
});

describe('the new-password step', () => {
  it('asks an operator-flagged account for a password that meets the policy, and may keep the old one', async () => {
    const user = await portico.createUser();
    await portico.server.database.db.updateTable('accounts').set({ must_change_password: true }).where('id', '=', user.id).execute();
    const rp = await RelyingParty.discover(portico.url);
    const { page } = await signIn(rp, user);
    expect(title(page)).toBe('Update your password');
    const weak = await post(rp, page, /\/new-password$/, { password: 'weak', confirmPassword: 'weak' });
    expect(weak.response.status).toBe(400);
    expect(weak.html).toContain('id="password-error">Use at least 8 characters.');
    const kept = await post(rp, weak, /\/new-password$/, { password: user.password, confirmPassword: user.password });
    expect(atPortal(kept)).toBe(true);
    expect((await findAccountById(portico.server.database.db, user.id))!.must_change_password).toBe(false);
  });

  it('catches a password that no longer meets the rules at sign-in, and takes a new one', async () => {
    const user = await portico.createUser({ password: 'nocapitals7here' });
    const rp = await RelyingParty.discover(portico.url);
    const { page } = await signIn(rp, user);
    expect(title(page)).toBe('Update your password');
    const back = await post(rp, page, /\/new-password$/, { password: 'Capitals7Here', confirmPassword: 'Capitals7Here' });
    expect(atPortal(back)).toBe(true);
    const fresh = await RelyingParty.discover(portico.url);
    expect((await fresh.submitSignIn(await fresh.browser.follow((await fresh.authorizationRequest()).url), user.username, 'nocapitals7here')).response.status).toBe(400);
  });
});

const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));

describe('the new-password step, for someone already signed in', () => {
  it('asks an SSO session for the password again before offering a new one', async () => {
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    expect(atPortal((await signIn(rp, user)).page)).toBe(true);
    await portico.server.database.db.updateTable('accounts').set({ must_change_password: true }).where('id', '=', user.id).execute();
    // Whoever sits at the browser next: the portal's next sign-in shows the password form, not a new-password form.
    const sso = await rp.browser.follow((await rp.authorizationRequest()).url);
    expect(title(sso)).toBe('Sign in');
    expect(sso.html).not.toMatch(/\/new-password"/);
    const page = await rp.submitSignIn(sso, user.username, user.password);
    expect(title(page)).toBe('Update your password');
  });

  it('ends the account\'s other sessions and tokens, and keeps the one that changed it', async () => {
    const user = await portico.createUser();
    const elsewhere = await RelyingParty.discover(portico.url);
    const old = (await elsewhere.signIn(user.username, user.password)).tokens;
    await portico.server.database.db.updateTable('accounts').set({ must_change_password: true }).where('id', '=', user.id).execute();
    await nextSecond();
    const here = await RelyingParty.discover(portico.url);
    const { request, page } = await signIn(here, user);
    const back = await post(here, page, /\/new-password$/, { password: 'Another8Horse', confirmPassword: 'Another8Horse' });
    expect(atPortal(back)).toBe(true);
    const tokens = await here.exchange(back.url, request);
    expect(await oidc.fetchUserInfo(here.config, tokens.access_token, user.id)).toMatchObject({ sub: user.id });
    expect(atPortal(await here.browser.follow((await here.authorizationRequest({ prompt: 'none' })).url))).toBe(true);

    await expect(oidc.refreshTokenGrant(elsewhere.config, old.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const silent = await elsewhere.browser.follow((await elsewhere.authorizationRequest({ prompt: 'none' })).url);
    expect(new URL(silent.url).searchParams.get('error')).toBe('login_required');
  });
});

describe('argon2 parameters raised in the policy', () => {
  it('rehash the password at the next successful sign-in', async () => {
    const user = await portico.createUser();
    const weaker = await new PasswordHasher({ memory_kib: 8192, time_cost: 1, parallelism: 1 }).hash(user.password);
    await portico.server.database.db.updateTable('accounts').set({ password_hash: weaker }).where('id', '=', user.id).execute();
    const rp = await RelyingParty.discover(portico.url);
    expect(atPortal((await signIn(rp, user)).page)).toBe(true);
    const stored = (await findAccountById(portico.server.database.db, user.id))!.password_hash;
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });
});
