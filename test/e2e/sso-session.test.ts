import { afterEach, describe, expect, it } from 'vitest';
import { startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where a prompt=none request for this portal ends: the callback with a code, or with an error. */
async function silentSignIn(rp: RelyingParty) {
  const request = await rp.authorizationRequest({ prompt: 'none' });
  const callback = new URL((await rp.browser.follow(request.url)).url);
  return callback.searchParams.get('error') ?? (callback.searchParams.has('code') ? 'code' : callback.toString());
}

describe('the single sign-on session (policy sso_session)', () => {
  let portico: TestPortico | undefined;
  afterEach(async () => portico?.stop());

  it('asks for the password again once the session has been idle for the idle timeout', async () => {
    portico = await startPortico({ policy: { sso_session: { idle_timeout_minutes: 2 / 60 } } });
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    await rp.signIn(user.username, user.password);
    await sleep(3000);
    expect(await silentSignIn(rp)).toBe('login_required');
    // A second portal in the same browser gets the sign-in page, not single sign-on.
    const other = await RelyingParty.discover(portico.url, 'thirdParty', rp.browser);
    const page = await other.browser.follow((await other.authorizationRequest()).url);
    expect(page.html).toContain('name="password"');
  });

  it('ends a session at its absolute lifetime, well within the idle timeout', async () => {
    portico = await startPortico({ policy: { sso_session: { absolute_lifetime_hours: 3 / 3600 } } });
    const user = await portico.createUser();
    const rp = await RelyingParty.discover(portico.url);
    await rp.signIn(user.username, user.password);
    expect(await silentSignIn(rp)).toBe('code');
    await sleep(3500);
    expect(await silentSignIn(rp)).toBe('login_required');
  });

  it('refuses a policy whose timeouts are not positive, naming the field', async () => {
    await expect(startPortico({ policy: { sso_session: { idle_timeout_minutes: 0 } } })).rejects.toThrow(/sso_session\.idle_timeout_minutes/);
  });
});
