import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accessibilityViolations, signInOnHostedPage, trustedContext } from '../support/browser.js';
import { startBrowserHarness, type BrowserHarness } from '../support/harness.js';
import { clients, portalOrigin } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { freePort } from '../support/servers.js';

// Whole journeys in Chromium (many pages, axe on each): the default 60 s is too tight on a loaded 2-core machine.
vi.setConfig({ testTimeout: 150_000 });

/*
 * Passkeys as a person meets them in Chromium, with its virtual authenticator (DevTools
 * protocol, WebAuthn domain) standing in for the device's own: one added on the account page
 * with a name, then asked for first at a sign-in in a browser the ID has not remembered, the
 * portal's ID token saying swk (the virtual authenticator is the device's own, "internal").
 * The issuer is http://localhost:<port>: WebAuthn needs a secure context and a domain as rpID,
 * and 127.0.0.1 is no domain.
 */

describe('passkeys as the second step and as the whole sign-in, in a real browser', () => {
  let harness: BrowserHarness;

  beforeAll(async () => {
    const port = await freePort();
    // The default methods (passkey first); no security questions to set up after the second step.
    harness = await startBrowserHarness({ port, issuer: `http://localhost:${port}`, policy: { second_step: { require_security_questions: false } } });
  });
  afterAll(() => harness?.stop());

  async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    return { cdp, authenticatorId };
  }

  /**
   * Whether the virtual authenticator answers by itself. Chromium's answers the sign-in page's
   * autofill request (conditional mediation) at once when it holds a passkey of the site, where
   * a person would pick it from the username field's list: off while a page is meant to wait.
   */
  const presence = (cdp: CDPSession, authenticatorId: string, enabled: boolean) => cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });

  /** From the portal, in this page (its virtual authenticator stays with it), through the password. */
  /** Clicks a passkey form's button once its script has taken the form over (a module loads after the page shows). */
  async function passkeyButton(page: Page, name: string) {
    await page.locator('form[data-passkey][data-ready="yes"]').waitFor();
    await page.getByRole('button', { name }).click();
  }

  async function signIn(page: Page, user: { username: string; password: string }, extra: Record<string, string> = {}) {
    const { portico, portal } = harness;
    const rp = await RelyingParty.discover(portico.url, 'firstParty');
    const request = await rp.authorizationRequest({ redirect_uri: clients.firstParty.redirectUri.replace(portalOrigin, portal.origin), prompt: 'login consent', ...extra });
    await page.goto(request.url);
    // The Spanish sign-in page labels its fields in Spanish: fill them by their names.
    await page.locator('input[name="login"]').fill(user.username);
    await page.locator('input[name="password"]').fill(user.password);
    await page.locator('form button[type="submit"]').first().click();
    return { rp, request };
  }

  /** A new person on the account's security page, in a browser holding a virtual authenticator. */
  async function onAccountPageWithAuthenticator() {
    const { portico, browser } = harness;
    const user = await portico.createUser();
    const context = await trustedContext(browser, portico.url);
    const page = await context.newPage();
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    await page.goto(`${portico.url}/account`);
    await signInOnHostedPage(page, user.username, user.password);
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { name: 'Passkeys' }).waitFor();
    return { user, context, page, cdp, authenticatorId };
  }

  it('adds a passkey on the account page, then signs in with it as the second step; the pages pass axe in English and Spanish', async () => {
    const { portico, portal, smtp } = harness;
    const { user, context, page, cdp, authenticatorId } = await onAccountPageWithAuthenticator();
    await page.getByRole('link', { name: 'Add a passkey' }).click();
    await page.getByRole('heading', { name: 'Add a passkey' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    // No name: refused before the authenticator is asked, so no passkey is left unused on it.
    await passkeyButton(page, 'Create the passkey');
    await page.getByText('Give this passkey a name of up to 60 characters.').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toHaveLength(0);
    await page.getByLabel('Name for this passkey').fill('Work laptop');
    await passkeyButton(page, 'Create the passkey');
    await page.getByText('The passkey was added.').waitFor();
    await expect(page.getByText('Work laptop', { exact: false }).isVisible()).resolves.toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    const [told] = await smtp.mailsTo(user.email);
    expect(told!.decoded).toContain('just added a passkey');
    // The account page's side in Spanish, then back to English.
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByRole('heading', { name: 'Llaves de acceso' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Agregar una llave de acceso' }).click();
    await page.getByRole('heading', { name: 'Agregar una llave de acceso' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('html[lang="en"]').waitFor({ state: 'attached' });

    // This browser forgotten (no device cookie, no session): the passkey is asked for first.
    await context.clearCookies();
    // The password, not the autofill's passkey: the authenticator waits until the second step.
    await presence(cdp, authenticatorId, false);
    const first = await signIn(page, user);
    await page.getByRole('heading', { name: "Confirm it's you with your passkey" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await presence(cdp, authenticatorId, true);
    await passkeyButton(page, 'Use my passkey');
    await page.waitForURL(`${portal.origin}/**`);
    expect((await first.rp.exchange(page.url(), first.request)).claims()).toMatchObject({ sub: user.id, amr: ['pwd', 'swk'], acr: 'urn:portico:acr:second-step' });

    // In Spanish, as a portal asking for it with ui_locales.
    await context.clearCookies();
    await presence(cdp, authenticatorId, false);
    const second = await signIn(page, user, { ui_locales: 'es' });
    await page.getByRole('heading', { name: 'Confirme que es usted con su llave de acceso' }).waitFor();
    await presence(cdp, authenticatorId, true);
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    expect(await accessibilityViolations(page)).toEqual([]);
    await passkeyButton(page, 'Usar mi llave de acceso');
    await page.waitForURL(`${portal.origin}/**`);
    expect((await second.rp.exchange(page.url(), second.request)).claims()).toMatchObject({ sub: user.id, amr: ['pwd', 'swk'] });

    // A portal that demands the phishing-resistant level gets it, and the token says so.
    await context.clearCookies();
    await presence(cdp, authenticatorId, false);
    const third = await signIn(page, user, { acr_values: 'urn:portico:acr:phishing-resistant' });
    await page.getByRole('heading', { name: "Confirm it's you with your passkey" }).waitFor();
    await presence(cdp, authenticatorId, true);
    await passkeyButton(page, 'Use my passkey');
    await page.waitForURL(`${portal.origin}/**`);
    expect((await third.rp.exchange(page.url(), third.request)).claims()).toMatchObject({ sub: user.id, amr: ['pwd', 'swk'], acr: 'urn:portico:acr:phishing-resistant' });
    const audit = await portico.server.database.db.selectFrom('audit_events').select('action').where('account_id', '=', user.id).execute();
    expect(audit.map((e) => e.action)).toContain('passkey.registered');
  }, 240_000);

  it('signs in with a passkey alone: added on the account page, then "Sign in with a passkey" from a portal, which is told phishing-resistant; the sign-in page passes axe in English and Spanish', async () => {
    const { portico, portal } = harness;
    const { user, context, page, cdp, authenticatorId } = await onAccountPageWithAuthenticator();
    await page.getByRole('link', { name: 'Add a passkey' }).click();
    await page.getByLabel('Name for this passkey').fill('Phone');
    await passkeyButton(page, 'Create the passkey');
    await page.getByText('The passkey was added.').waitFor();
    // Sign out is on the overview (and the sessions page), not on the security page.
    await page.getByRole('link', { name: 'Back to your account' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForLoadState();

    const request = async (extra: Record<string, string>) => {
      const rp = await RelyingParty.discover(portico.url, 'firstParty');
      const request = await rp.authorizationRequest({ redirect_uri: clients.firstParty.redirectUri.replace(portalOrigin, portal.origin), acr_values: 'urn:portico:acr:phishing-resistant', ...extra });
      return { rp, request };
    };
    /** The sign-in page with its passkey button, the authenticator waiting until the button asks. */
    const fromPortal = async (extra: Record<string, string>) => {
      const asked = await request(extra);
      await presence(cdp, authenticatorId, false);
      await page.goto(asked.request.url);
      await page.locator('form[data-passkey="sign-in"][data-ready="yes"]').waitFor();
      // The username field offers passkeys in its autofill as well (conditional mediation).
      expect(await page.locator('input[name="login"]').getAttribute('autocomplete')).toBe('username webauthn');
      expect(await accessibilityViolations(page)).toEqual([]);
      await presence(cdp, authenticatorId, true);
      return asked;
    };
    const english = await fromPortal({});
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${portal.origin}/**`);
    expect((await english.rp.exchange(page.url(), english.request)).claims()).toMatchObject({ sub: user.id, amr: ['swk', 'user', 'mfa'], acr: 'urn:portico:acr:phishing-resistant' });

    await context.clearCookies();
    const spanish = await fromPortal({ ui_locales: 'es', prompt: 'login consent' });
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    await page.getByRole('button', { name: 'Iniciar sesión con una llave de acceso' }).click();
    await page.waitForURL(`${portal.origin}/**`);
    expect((await spanish.rp.exchange(page.url(), spanish.request)).claims()).toMatchObject({ sub: user.id, amr: ['swk', 'user', 'mfa'], acr: 'urn:portico:acr:phishing-resistant' });

    // The autofill: the authenticator answering by itself stands for a person picking the passkey in the username field's list.
    await context.clearCookies();
    const autofill = await request({ prompt: 'login consent' });
    await page.goto(autofill.request.url);
    await page.waitForURL(`${portal.origin}/**`);
    expect((await autofill.rp.exchange(page.url(), autofill.request)).claims()).toMatchObject({ sub: user.id, amr: ['swk', 'user', 'mfa'], acr: 'urn:portico:acr:phishing-resistant' });
  }, 240_000);
});
