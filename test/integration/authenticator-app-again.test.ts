import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { confirmAuthenticatorApp, enrolmentSecret, replacementSecret } from '../../src/identity/second-step/authenticator-app.js';
import type { Db } from '../../src/storage/database.js';
import { portalOrigin, usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * A recovery code gets the person in once and asks them to set the app up again (the phone is
 * likely lost): the new app replaces the old only once a code from it is confirmed, with ten new
 * recovery codes; "Not now" keeps the old app working, and is not offered to a type that must
 * have the app and has nothing else it may have instead. The account page sets it up again too.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)), {
  policy: {
    second_step: {
      require_security_questions: false,
      account_types: { provider: { methods: ['authenticator_app', 'email_code'], must_have: ['authenticator_app'] } },
    },
  },
});

type Page = { url: string; html?: string; response: Response };

/** The code an app shows `ahead` 30-second steps from now. */
const appCode = (secret: string, ahead = 0) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + ahead * 30 });
const title = (page: Page) => /<h1>([^<]*)<\/h1>/.exec(page.html ?? '')?.[1];

async function post(agent: UserAgent, page: Page, pattern: RegExp, form: Record<string, string> = {}) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return agent.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

/** A user with an app confirmed a minute ago (so the codes of now are new), of `type`. */
async function userWithApp(type = 'member') {
  const user = await portico.createUser({ trustDevice: false });
  await db.updateTable('accounts').set({ account_type: type }).where('id', '=', user.id).execute();
  const secret = (await enrolmentSecret(db, user.id))!;
  const confirmed = await confirmAuthenticatorApp(db, (await findAccountById(db, user.id))!, appCode(secret, -2), {}, new Date(Date.now() - 60_000));
  if (!confirmed.ok) throw new Error('the app was not confirmed');
  return { ...user, secret, recoveryCodes: confirmed.recoveryCodes };
}

/** A sign-in in a new browser up to the app's page, then `code` typed there. */
async function signInWith(user: { username: string; password: string }, code: string) {
  const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent(portalOrigin));
  const request = await rp.authorizationRequest();
  const step = await rp.submitSignIn(await rp.browser.follow(request.url), user.username, user.password);
  expect(step.url).toMatch(/\/authenticator-app$/);
  const page = await post(rp.browser, step, /\/authenticator-app$/, { code });
  return { rp, request, page };
}

const actions = async (accountId: string) => (await db.selectFrom('audit_events').select('action').where('account_id', '=', accountId).execute()).map((e) => e.action);

describe('setting the authenticator app up again after a recovery code', () => {
  it('asks after a recovery code; a code from the new app replaces the old, with ten new recovery codes, audited and mailed', async () => {
    const user = await userWithApp();
    const { rp, request, page } = await signInWith(user, user.recoveryCodes[0]!);
    expect(page.url).toMatch(/\/set-up-authenticator-app-again$/);
    expect(title(page)).toBe('Set up your authenticator app again');
    expect(page.html).toContain('<svg');
    expect(formAction(page.html!, /\/not-now$/)).toBeTruthy();
    const newSecret = (await replacementSecret(db, user.id))!;
    expect(newSecret).not.toBe(user.secret);
    // The old app still works while the new one waits: nothing is half done.
    const stored = await db.selectFrom('authenticator_apps').select(['pending_secret_sealed']).where('account_id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.pending_secret_sealed).not.toContain(newSecret);

    const wrong = await post(rp.browser, page, /\/set-up-authenticator-app-again$/, { code: appCode(user.secret) });
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('That code is not correct.');
    const codes = await post(rp.browser, wrong, /\/set-up-authenticator-app-again$/, { code: appCode(newSecret) });
    expect(title(codes)).toBe('Save your recovery codes');
    const shown = [...codes.html!.matchAll(/<li><code>([a-z2-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(shown).toHaveLength(10);
    const back = await post(rp.browser, codes, /\/set-up-authenticator-app-again$/);
    expect(back.url.startsWith(portalOrigin)).toBe(true);
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ sub: user.id, amr: ['pwd', 'recovery_code'] });
    expect(await actions(user.id)).toEqual(expect.arrayContaining(['authenticator_app.recovery_code_used', 'authenticator_app.replaced']));
    const mails = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', user.email).execute();
    expect(mails.some((m) => m.text_body.includes('just set up an authenticator app'))).toBe(true);

    // The old app's codes and recovery codes stop working; the new app's and new codes work.
    const old = await signInWith(user, appCode(user.secret, 1));
    expect(old.page.response.status).toBe(400);
    expect(old.page.html).toContain('That code is not correct.');
    const oldRecovery = await signInWith(user, user.recoveryCodes[1]!);
    expect(oldRecovery.page.response.status).toBe(400);
    const fresh = await signInWith(user, appCode(newSecret, 1));
    expect(fresh.page.url.startsWith(portalOrigin)).toBe(true);
    const newRecovery = await signInWith(user, shown[0]!);
    expect(newRecovery.page.url).toMatch(/\/set-up-authenticator-app-again$/);
  });

  it('lets the person choose "Not now": the sign-in goes on, and the old app still works', async () => {
    const user = await userWithApp();
    const { rp, request, page } = await signInWith(user, user.recoveryCodes[0]!);
    const back = await post(rp.browser, page, /\/not-now$/);
    expect(back.url.startsWith(portalOrigin)).toBe(true);
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ sub: user.id, amr: ['pwd', 'recovery_code'] });
    expect(await actions(user.id)).not.toContain('authenticator_app.replaced');
    const old = await signInWith(user, appCode(user.secret, 1));
    expect(old.page.url.startsWith(portalOrigin)).toBe(true);
  });

  it('offers no "Not now" to a type that must have the app and has no other way it must have', async () => {
    const user = await userWithApp('provider');
    const { rp, page } = await signInWith(user, user.recoveryCodes[0]!);
    expect(page.url).toMatch(/\/set-up-authenticator-app-again$/);
    expect(formAction(page.html!, /\/not-now$/)).toBeUndefined();
    // Posting it anyway leads back to the step, not to the portal.
    const notNow = `${page.url}/not-now`;
    const refused = await rp.browser.follow(notNow, { form: { csrf: hiddenInput(page.html!, 'csrf')! } });
    expect(refused.url).toMatch(/\/set-up-authenticator-app-again$/);
    const codes = await post(rp.browser, refused, /\/set-up-authenticator-app-again$/, { code: appCode((await replacementSecret(db, user.id))!) });
    expect(title(codes)).toBe('Save your recovery codes');
  });

  it('sets the app up again from the account page, by the same waiting key', async () => {
    const user = await userWithApp();
    const agent = new UserAgent(portalOrigin);
    const start = await agent.follow(`${portico.url}/account/security`);
    const step = await post(agent, start, /\/login$/, { login: user.username, password: user.password });
    const security = await post(agent, step, /\/authenticator-app$/, { code: appCode(user.secret) });
    expect(security.url).toBe(`${portico.url}/account/security`);
    expect(security.html).toContain('href="/account/authenticator-app/replace"');
    const page = await agent.follow(`${portico.url}/account/authenticator-app/replace`);
    expect(title(page)).toBe('Set up your authenticator app again');
    expect(formAction(page.html!, /\/not-now$/)).toBeUndefined();
    const newSecret = (await replacementSecret(db, user.id))!;
    const codes = await post(agent, page, /\/account\/authenticator-app\/replace$/, { code: appCode(newSecret) });
    expect(title(codes)).toBe('Save your recovery codes');
    expect(await actions(user.id)).toContain('authenticator_app.replaced');
    const old = await signInWith(user, appCode(user.secret, 1));
    expect(old.page.response.status).toBe(400);
  });
});
