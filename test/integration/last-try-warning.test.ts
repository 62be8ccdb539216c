import { describe, expect, it } from 'vitest';
import { usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';

/*
 * lockout.warn_last_try: "1 try left" on the wrong password before the one that locks, for a
 * real username and a made-up one alike (so it tells nothing about which exist); never when
 * the switch is off, as by default.
 */

const LAST_TRY = 'You have 1 try left before your ID is locked.';

async function wrongPasswords(portico: TestPortico, login: string, count: number): Promise<string[]> {
  const rp = await RelyingParty.discover(portico.url, 'firstParty');
  const pages: string[] = [];
  for (let i = 0; i < count; i++) {
    const page = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), login, `Wrong${i}Horse7`);
    pages.push(page.html ?? '');
  }
  return pages;
}

describe('the last-try warning, switched on', () => {
  let portico: TestPortico;
  usePortico((started) => (portico = started), { policy: { lockout: { warn_last_try: true } } });

  it('warns on the 4th of 5 wrong passwords only, for a real username and a made-up one alike', async () => {
    const user = await portico.createUser();
    for (const login of [user.username, `nobody${Date.now().toString(36)}`]) {
      const pages = await wrongPasswords(portico, login, 5);
      expect(pages.map((html) => html.includes(LAST_TRY)), login).toEqual([false, false, false, true, false]);
      expect(pages[4], login).toContain('sign in just yet');
    }
  });
});

describe('the last-try warning, off by default', () => {
  let portico: TestPortico;
  usePortico((started) => (portico = started));

  it('never warns', async () => {
    const user = await portico.createUser();
    const pages = await wrongPasswords(portico, user.username, 4);
    expect(pages.some((html) => html.includes(LAST_TRY))).toBe(false);
    expect(pages[3]).toContain('The username or password you entered is not correct.');
  });
});
