import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { authenticationOptions, checkPasskey, hasPasskey, listPasskeys, registerPasskey, registrationOptions, relyingPartyOf, removePasskey } from '../../src/identity/second-step/passkeys.js';
import { passkeyAmr } from '../../src/methods/passkey.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { startPortico, type TestPortico } from '../support/portico.js';

/*
 * Passkeys' server side against a software authenticator (test/support/soft-authenticator.ts):
 * a passkey added and used; answers garbled, forged, replayed, made for another site or by a
 * clone whose counter went back are each refused with their own reason, and the clone audited.
 */

const rp = relyingPartyOf('https://id.example.test');
let portico: TestPortico;
beforeAll(async () => {
  portico = await startPortico();
});
afterAll(() => portico?.stop());

const db = () => portico.server.database.db;
const json = (answer: unknown) => JSON.stringify(answer);
const actions = async (accountId: string) => (await db().selectFrom('audit_events').select(['action', 'details']).where('account_id', '=', accountId).execute()).map((e) => e.action);

/** A user with one passkey of `key`, added on the account page. */
async function userWithPasskey(key = new SoftAuthenticator()) {
  const user = await portico.createUser({ trustDevice: false });
  const account = (await findAccountById(db(), user.id))!;
  const options = await registrationOptions(db(), rp, account);
  expect(await registerPasskey(db(), rp, account, 'Blue key', json(key.register(options, rp.origin)))).toEqual({ ok: true });
  return { user, account, key };
}

const ask = (accountId: string, uid = 'interaction-1') => authenticationOptions(db(), rp, accountId, uid);

describe('passkeys', () => {
  it('adds a passkey (audited, the owner mailed), signs in with it, and removes it', async () => {
    const { user, account, key } = await userWithPasskey(new SoftAuthenticator('platform'));
    expect(await hasPasskey(db(), user.id)).toBe(true);
    expect(await listPasskeys(db(), user.id)).toMatchObject([{ id: key.id, name: 'Blue key', lastUsedAt: null }]);
    const check = await checkPasskey(db(), rp, user.id, 'interaction-1', json(key.authenticate(await ask(user.id), rp.origin)));
    expect(check).toEqual({ ok: true, attachment: 'platform' });
    expect((await listPasskeys(db(), user.id))[0]!.lastUsedAt).toBeInstanceOf(Date);
    expect(await removePasskey(db(), account, key.id)).toBe(true);
    expect(await removePasskey(db(), account, key.id)).toBe(false);
    expect(await hasPasskey(db(), user.id)).toBe(false);
    expect(await actions(user.id)).toEqual(expect.arrayContaining(['passkey.registered', 'passkey.removed']));
    const mails = (await db().selectFrom('mail_outbox').select('text_body').where('to_address', '=', user.email).execute()).map((m) => m.text_body).join('\n');
    expect(mails).toContain('just added a passkey');
    expect(mails).toContain('just removed a passkey');
  });

  it('serves the passkey script and the WebAuthn browser modules it imports from this origin, nothing else under /assets/webauthn/', async () => {
    const script = await fetch(`${portico.url}/assets/passkey.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("from '/assets/webauthn/index.js'");
    const library = await fetch(`${portico.url}/assets/webauthn/index.js`);
    expect(await library.text()).toContain('startAuthentication');
    for (const module of (await (await fetch(`${portico.url}/assets/webauthn/index.js`)).text()).matchAll(/from '\.\/([^']+)'/g)) {
      expect((await fetch(`${portico.url}/assets/webauthn/${module[1]}`)).status).toBe(200);
    }
    expect((await fetch(`${portico.url}/assets/webauthn/../package.json`)).status).toBe(404);
    expect((await fetch(`${portico.url}/assets/webauthn/index.d.ts`)).status).toBe(404);
  });

  it('states hwk for a roaming key and swk for one the device holds (RFC 8176)', () => {
    expect(passkeyAmr('cross-platform')).toBe('hwk');
    expect(passkeyAmr('platform')).toBe('swk');
    expect(passkeyAmr(undefined)).toBe('swk');
  });

  it('refuses a garbled or forged answer with a clear reason, and no exception', async () => {
    const { user, key } = await userWithPasskey();
    for (const garbled of ['', '{not json', '{}', 'null', json({ id: key.id, type: 'public-key', response: { clientDataJSON: 'bm90IGpzb24' } })]) {
      expect(await checkPasskey(db(), rp, user.id, 'interaction-1', garbled)).toEqual({ ok: false, reason: 'malformed' });
    }
    // A well-formed answer whose signature was changed: the challenge was live, the signature does not hold.
    const forged = key.authenticate(await ask(user.id), rp.origin) as { response: { signature: string } };
    const signature = Buffer.from(forged.response.signature, 'base64url');
    signature[signature.length - 1]! ^= 0xff;
    forged.response.signature = signature.toString('base64url');
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', json(forged))).toEqual({ ok: false, reason: 'refused' });
    // A passkey this account does not have.
    const stranger = new SoftAuthenticator();
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', json(stranger.authenticate(await ask(user.id), rp.origin)))).toEqual({ ok: false, reason: 'unknown' });
    // A registration answer garbled in the same way.
    const account = (await findAccountById(db(), user.id))!;
    expect(await registerPasskey(db(), rp, account, 'x', '{"id":1}')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a replayed answer, and a challenge of another sign-in', async () => {
    const { user, key } = await userWithPasskey();
    const answer = json(key.authenticate(await ask(user.id), rp.origin));
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', answer)).toMatchObject({ ok: true });
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', answer)).toEqual({ ok: false, reason: 'challenge' });
    const elsewhere = json(key.authenticate(await ask(user.id, 'interaction-2'), rp.origin));
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', elsewhere)).toEqual({ ok: false, reason: 'challenge' });
    // An expired challenge: an hour later.
    const late = json(key.authenticate(await ask(user.id), rp.origin));
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', late, {}, new Date(Date.now() + 3_600_000))).toEqual({ ok: false, reason: 'challenge' });
  });

  it('refuses an answer made for another origin or rpID (a look-alike site relaying it)', async () => {
    const { user, key } = await userWithPasskey();
    const otherOrigin = json(key.authenticate(await ask(user.id), 'https://id.example-login.test'));
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', otherOrigin)).toEqual({ ok: false, reason: 'wrong_site' });
    const otherRpId = json(key.authenticate(await ask(user.id), rp.origin, 'example-login.test'));
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', otherRpId)).toEqual({ ok: false, reason: 'wrong_site' });
    // Registration too: a passkey made for another site is not kept.
    const account = (await findAccountById(db(), user.id))!;
    const stranger = new SoftAuthenticator();
    const options = await registrationOptions(db(), rp, account);
    expect(await registerPasskey(db(), rp, account, 'x', json(stranger.register(options, 'https://id.example-login.test')))).toEqual({ ok: false, reason: 'wrong_site' });
    expect(await registerPasskey(db(), rp, account, 'x', json(stranger.register(await registrationOptions(db(), rp, account), rp.origin, 'example-login.test')))).toEqual({ ok: false, reason: 'wrong_site' });
    expect(await listPasskeys(db(), user.id)).toHaveLength(1);
  });

  it('refuses a signature counter that goes back (a cloned authenticator), and audits it', async () => {
    const { user, key } = await userWithPasskey();
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', json(key.authenticate(await ask(user.id), rp.origin)))).toMatchObject({ ok: true });
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', json(key.authenticate(await ask(user.id), rp.origin)))).toMatchObject({ ok: true });
    // The clone's counter is behind the original's last one (2): 2 again, then 1.
    key.counter = 1;
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', json(key.authenticate(await ask(user.id), rp.origin)))).toEqual({ ok: false, reason: 'counter' });
    key.counter = 0;
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', json(key.authenticate(await ask(user.id), rp.origin)))).toEqual({ ok: false, reason: 'counter' });
    expect(await actions(user.id)).toContain('passkey.counter_regressed');
    // The original, ahead of both, still works.
    key.counter = 5;
    expect(await checkPasskey(db(), rp, user.id, 'interaction-1', json(key.authenticate(await ask(user.id), rp.origin)))).toMatchObject({ ok: true });
  });
});
