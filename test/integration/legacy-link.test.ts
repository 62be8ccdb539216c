import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import type { CommandContext } from '../../src/cli/context.js';
import { findAccountById } from '../../src/identity/accounts.js';
import type { Db } from '../../src/storage/database.js';
import { portalOrigin, startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput } from '../support/user-agent.js';

/*
 * Legacy links: a portal with its own old logins asks each Portico user once for those credentials
 * (imported, or checked by the portal's endpoint), then receives the old subject in the ID
 * token, and only that portal does. Import and link commands for operators.
 */

// Made by Apache htpasswd and OpenSSL for 'Legacy#Pass 1' (see test/unit/legacy-hashes.test.ts).
const BCRYPT = '$2y$06$vIIRyrDZrcIXNzTgc/IROe.16kfmewEAQ88mauQHF.Pti3LW3qld2';
const SHA512 = '$6$Xy7salt01$33JZJsL1X5kHijVLfKeF70eyc2PAKuFU.sSb4qtlyEzWxMD./NNbGiCbFpk2eFu7o/76PJh0uhDnATbP7ZL00.';
const OLD_PASSWORD = 'Legacy#Pass 1';
const REMOTE_SECRET = 'remote-verifier-secret-0123456789';

let portico: TestPortico;
let db: Db;
let verifier: Server;
let verifierMode: 'up' | 'error' | 'slow' = 'up';
const dir = mkdtempSync(path.join(tmpdir(), 'portico-legacy-'));

const legacyClient = (id: string, redirect: string, link: object) => ({
  client_id: id,
  client_name: id === 'trucase-portal' ? 'TruCase Portal' : 'Claims Portal',
  client_secret: `${id}-secret-0123456789abcdef`,
  redirect_uris: [`${portalOrigin}/${redirect}/callback`],
  first_party: true,
  legacy_link: link,
});

beforeAll(async () => {
  // The claims portal's own endpoint: right credentials give the old subject.
  verifier = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (verifierMode === 'error') return res.writeHead(500).end();
      if (verifierMode === 'slow') return void setTimeout(() => res.writeHead(200).end('{"subject":"late"}'), 3000);
      if (req.headers.authorization !== `Bearer ${REMOTE_SECRET}`) return res.writeHead(403).end();
      const { username, password } = JSON.parse(body) as { username: string; password: string };
      if (username === 'claimsuser' && password === 'Claims#1') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ subject: 'CLM-42' }));
      res.writeHead(401).end();
    });
  });
  await new Promise<void>((resolve) => verifier.listen(0, '127.0.0.1', resolve));
  const verifierUrl = `http://127.0.0.1:${(verifier.address() as AddressInfo).port}/verify`;
  portico = await startPortico({
    env: { CLAIMS_VERIFIER_SECRET: REMOTE_SECRET },
    extraClients: [
      legacyClient('trucase-portal', 'trucase', { system: 'trucase', display_name: 'TruCase', claim: 'trucase_username' }),
      legacyClient('claims-portal', 'claims', { system: 'claims', display_name: 'ClaimsNet', verifier: { type: 'http', url: verifierUrl, secret_env: 'CLAIMS_VERIFIER_SECRET', timeout_ms: 2000 } }),
    ],
  });
  db = portico.server.database.db;
  const file = path.join(dir, 'trucase.jsonl');
  writeFileSync(
    file,
    [
      JSON.stringify({ subject: 'TC-1001', username: 'ana.tc', password_hash: BCRYPT }),
      JSON.stringify({ subject: 'TC-1002', username: 'bo.tc', password_hash: SHA512 }),
      '{"subject": "TC-1003", "username": "cy.tc", "password_hash": "md5:abcdef"}',
      'not json at all',
      JSON.stringify({ subject: 'TC-1004', username: 'dee.tc', password_hash: BCRYPT, email: 'dee@example.com', name: 'Dee Example' }),
    ].join('\n'),
  );
  expect((await cli('legacy', 'import', 'trucase', file, '--create-accounts')).code).toBe(1);
});
afterAll(async () => {
  await portico?.stop();
  await new Promise((resolve) => verifier?.close(resolve));
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { config: portico.config, db: async () => db, out: (l) => void out.push(l), err: (l) => void err.push(l), operator: 'desk-cy' };
  const code = await runCommand(argv, ctx);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

type Page = { url: string; html?: string; response: Response };
const title = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.html ?? '')?.[1];
const atPortal = (page: Page) => page.url.startsWith(portalOrigin);

/** A relying party for one of this file's legacy portals, in the tests' usual browser. */
function rpFor(clientId: string, redirect: string) {
  return RelyingParty.discover(portico.url, { id: clientId, secret: `${clientId}-secret-0123456789abcdef`, redirectUri: `${portalOrigin}/${redirect}/callback` });
}

async function linkPage(rp: RelyingParty, user: { username: string; password: string }) {
  const request = await rp.authorizationRequest();
  const first = await rp.browser.follow(request.url);
  const page = atPortal(first) || title(first) !== 'Sign in' ? first : await rp.submitSignIn(first, user.username, user.password);
  return { request, page };
}

const submitLink = (rp: RelyingParty, page: Page, username: string, password: string) =>
  rp.browser.follow(new URL(formAction(page.html!, /\/link-legacy$/)!, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, username, password } });

describe('portico legacy import', () => {
  it('imported the good lines, named each bad one by number, and made IDs for records with an email', async () => {
    const imported = await db.selectFrom('legacy_accounts').select(['subject', 'username']).where('system', '=', 'trucase').orderBy('subject').execute();
    expect(imported.map((r) => r.subject)).toEqual(['TC-1001', 'TC-1002', 'TC-1004']);
    const again = await cli('legacy', 'import', 'trucase', path.join(dir, 'trucase.jsonl'));
    expect(again.err.split('\n')).toEqual([expect.stringMatching(/line 3: password_hash: is not a supported hash/), expect.stringMatching(/line 4: not a JSON object/)]);
    expect(again.out).toBe('trucase: 0 imported, 3 already imported and kept (--existing update replaces them), 2 skipped');
    expect(await cli('legacy', 'import', 'nosuchsystem', path.join(dir, 'trucase.jsonl'))).toMatchObject({ code: 2 });
  });

  it('reads CSV with a header row too', async () => {
    const file = path.join(dir, 'more.csv');
    writeFileSync(file, `subject,username,password_hash,email,name\nTC-2001,"eve.tc",${BCRYPT},,"Eve, the second"\nTC-2002,,${BCRYPT},,\n`);
    const run = await cli('legacy', 'import', 'trucase', file);
    expect(run).toMatchObject({ code: 1, out: 'trucase: 1 imported, 1 skipped', err: expect.stringMatching(/line 3: username: is empty/) });
  });

  it('lets an imported ID sign in with its old password once, moving it to argon2id', async () => {
    const account = await db.selectFrom('accounts').selectAll().where('email', '=', 'dee@example.com').executeTakeFirstOrThrow();
    expect(account.password_hash).toBe(BCRYPT);
    await db.updateTable('accounts').set({ terms_version: portico.config.policy.registration.terms.version }).where('id', '=', account.id).execute();
    const rp = await rpFor('trucase-portal', 'trucase');
    const { page } = await linkPage(rp, { username: 'dee.tc', password: OLD_PASSWORD });
    // A new device: the second step comes first; the link already exists from the import.
    expect(page.url).toMatch(/\/access-code$/);
    expect((await findAccountById(db, account.id))!.password_hash).toMatch(/^\$argon2id\$/);
  });
});

describe('portico users import (lazy migration)', () => {
  it('creates IDs with their legacy hashes; the first sign-in moves each to argon2id and flags a password below policy', async () => {
    const file = path.join(dir, 'users.jsonl');
    const django = 'pbkdf2_sha256$260000$DjangoSaltText$jvFdiSf3MYY38tJ33UKmdayGoZtc9BfuwqR+5yeyM6A=';
    writeFileSync(file, [
      JSON.stringify({ username: 'fay.old', email: 'fay@example.com', password_hash: django, name: 'Fay Old' }),
      JSON.stringify({ username: 'gus.old', password_hash: SHA512 }),
    ].join('\n'));
    const run = await cli('users', 'import', file);
    expect(run).toMatchObject({ code: 1, out: '1 ID(s) imported, 1 skipped', err: expect.stringMatching(/line 2: email: /) });
    const rp = await RelyingParty.discover(portico.url);
    const page = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), 'fay.old', OLD_PASSWORD);
    expect(page.url).toMatch(/\/access-code$/);
    const account = await db.selectFrom('accounts').selectAll().where('username', '=', 'fay.old').executeTakeFirstOrThrow();
    expect(account.password_hash).toMatch(/^\$argon2id\$/);
    // 'Legacy#Pass 1' has a space, which the policy forbids: the new-password step will ask.
    expect(account.must_change_password).toBe(true);
  });
});

/** The pauses of the legacy step's guessing limits run out. */
const fifteenMinutesLater = () => db.updateTable('legacy_guess_limits').set({ paused_until: new Date(Date.now() - 1000), window_started_at: new Date(Date.now() - 16 * 60_000) }).execute();

describe('the link step', () => {
  it('after signing in at portal A, SSO to TruCase asks once; only TruCase gets the old subject', async () => {
    const user = await portico.createUser();
    const portalA = await RelyingParty.discover(portico.url);
    const atA = await portalA.signIn(user.username, user.password);
    expect(atA.tokens.claims()).not.toHaveProperty('trucase_username');

    const trucase = await RelyingParty.discover(portico.url, { id: 'trucase-portal', secret: 'trucase-portal-secret-0123456789abcdef', redirectUri: `${portalOrigin}/trucase/callback` }, portalA.browser);
    const request = await trucase.authorizationRequest();
    const page = await trucase.browser.follow(request.url);
    expect(title(page)).toBe('Link your TruCase account');
    expect(page.html).toContain('This is the last time you will be asked to sign in with your TruCase credentials');
    const wrong = await submitLink(trucase, page, 'ana.tc', 'Wrong#Pass');
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('The TruCase username or password is not correct.');
    expect(await db.selectFrom('account_links').select('subject').where('account_id', '=', user.id).execute()).toEqual([]);
    const back = await submitLink(trucase, wrong, 'ANA.TC', OLD_PASSWORD);
    expect(atPortal(back)).toBe(true);
    expect((await trucase.exchange(back.url, request)).claims()).toMatchObject({ sub: user.id, trucase_username: 'TC-1001' });

    // The next visit to TruCase asks nothing; portal A never sees the subject.
    const again = await trucase.browser.follow((await trucase.authorizationRequest()).url);
    expect(atPortal(again)).toBe(true);
    const requestA = await portalA.authorizationRequest();
    const backA = await portalA.browser.follow(requestA.url);
    expect((await portalA.exchange(backA.url, requestA)).claims()).not.toHaveProperty('trucase_username');
    expect((await cli('links', 'list', user.username)).out).toMatch(/^trucase {2}TC-1001 {2}linked /);
  });

  it('refuses a subject linked to another ID, pointing to the help desk, with an audit event', async () => {
    const user = await portico.createUser();
    const rp = await rpFor('trucase-portal', 'trucase');
    const { page } = await linkPage(rp, user);
    const refused = await submitLink(rp, page, 'ana.tc', OLD_PASSWORD);
    expect(refused.response.status).toBe(409);
    expect(refused.html).toContain('contact the help desk');
    const events = await db.selectFrom('audit_events').select('action').where('account_id', '=', user.id).execute();
    expect(events.map((e) => e.action)).toContain('legacy.link_refused');
  });

  it('pauses for 15 minutes after 5 wrong passwords, even for the right one', async () => {
    const user = await portico.createUser();
    const rp = await rpFor('trucase-portal', 'trucase');
    let { page } = await linkPage(rp, user);
    for (let i = 0; i < 5; i++) page = await submitLink(rp, page, 'bo.tc', 'Wrong#Pass');
    const paused = await submitLink(rp, page, 'bo.tc', OLD_PASSWORD);
    expect(paused.response.status).toBe(429);
    expect(paused.html).toContain('Try again in 15 minutes.');
    await db.updateTable('legacy_link_attempts').set({ paused_until: new Date(Date.now() - 1000), window_started_at: new Date(Date.now() - 16 * 60_000) }).where('account_id', '=', user.id).execute();
    await fifteenMinutesLater();
    expect(atPortal(await submitLink(rp, paused, 'bo.tc', OLD_PASSWORD))).toBe(true);
  });

  it('counts guesses at one legacy username across IDs: rotating IDs buys no more than 5, and the owner is told by mail at the link', async () => {
    const file = path.join(dir, 'victim.jsonl');
    writeFileSync(file, JSON.stringify({ subject: 'TC-2001', username: 'eve.tc', password_hash: BCRYPT, email: 'eve@example.com', name: 'Eve Example' }));
    // TC-2001 was imported above without an address: this import gives it one.
    expect((await cli('legacy', 'import', 'trucase', file, '--existing', 'update')).code).toBe(0);
    const statuses: number[] = [];
    for (let id = 0; id < 3; id++) {
      const rp = await rpFor('trucase-portal', 'trucase');
      let { page } = await linkPage(rp, await portico.createUser());
      for (let i = 0; i < 2; i++) {
        page = await submitLink(rp, page, 'EVE.tc', `Guess#${id}${i}`);
        statuses.push(page.response.status);
      }
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    // Even a guess that is right is not checked now, from yet another ID.
    const rp = await rpFor('trucase-portal', 'trucase');
    const lucky = await submitLink(rp, (await linkPage(rp, await portico.createUser())).page, 'eve.tc', OLD_PASSWORD);
    expect(lucky.response.status).toBe(429);
    expect(await db.selectFrom('account_links').select('account_id').where('subject', '=', 'TC-2001').execute()).toEqual([]);
    expect(JSON.stringify(await db.selectFrom('legacy_guess_limits').selectAll().execute())).not.toContain('eve.tc');

    await fifteenMinutesLater();
    const owner = await portico.createUser();
    const ownerRp = await rpFor('trucase-portal', 'trucase');
    expect(atPortal(await submitLink(ownerRp, (await linkPage(ownerRp, owner)).page, 'eve.tc', OLD_PASSWORD))).toBe(true);
    const mails = await db.selectFrom('mail_outbox').select(['template', 'subject', 'text_body']).where('to_address', '=', 'eve@example.com').execute();
    expect(mails).toEqual([{ template: 'legacy-linked', subject: 'Your TruCase account was linked to a Portico ID', text_body: expect.stringContaining('Your TruCase account (username eve.tc) was just linked') }]);
  });

  it('counts guesses from one address across IDs and legacy usernames: 20 in 15 minutes', async () => {
    await db.deleteFrom('legacy_guess_limits').execute();
    const statuses: number[] = [];
    for (let id = 0; id < 5; id++) {
      const rp = await rpFor('trucase-portal', 'trucase');
      let { page } = await linkPage(rp, await portico.createUser());
      for (let i = 0; i < (id < 4 ? 5 : 1); i++) {
        page = await submitLink(rp, page, `made-up-${id}-${i}`, 'Guess#1');
        statuses.push(page.response.status);
      }
    }
    expect(statuses).toEqual([...Array(20).fill(400), 429]);
    await db.deleteFrom('legacy_guess_limits').execute();
  });

  it('asks the portal\'s own endpoint; one that answers 500 or times out gets a clear message and links nothing', async () => {
    const user = await portico.createUser();
    const rp = await rpFor('claims-portal', 'claims');
    const { request, page } = await linkPage(rp, user);
    let current = page;
    for (const mode of ['error', 'slow'] as const) {
      verifierMode = mode;
      current = await submitLink(rp, current, 'claimsuser', 'Claims#1');
      expect(current.response.status).toBe(503);
      expect(current.html).toContain('We can&#39;t check ClaimsNet credentials right now.');
    }
    verifierMode = 'up';
    expect(await db.selectFrom('account_links').select('subject').where('account_id', '=', user.id).execute()).toEqual([]);
    const back = await submitLink(rp, current, 'claimsuser', 'Claims#1');
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ claims_subject: 'CLM-42' });
  });

  it('portico links remove: the portal asks for the link again', async () => {
    const user = await portico.createUser();
    await db.insertInto('account_links').values({ account_id: user.id, system: 'trucase', subject: 'TC-9999' }).execute();
    expect((await cli('links', 'remove', user.username, 'trucase')).out).toBe(`removed the trucase link of ${user.username}`);
    const rp = await rpFor('trucase-portal', 'trucase');
    expect(title((await linkPage(rp, user)).page)).toBe('Link your TruCase account');
    expect(await cli('links', 'list')).toMatchObject({ code: 2 });
  });
});
