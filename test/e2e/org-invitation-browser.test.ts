import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { accessibilityViolations, signInOnHostedPage, trustedContext } from '../support/browser.js';
import { useBrowserHarness, type BrowserHarness } from '../support/harness.js';
import { fillRegistration, newPerson } from '../support/journeys.js';
import { approveByCli } from '../support/organizations.js';
import { clients, portalOrigin } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';

/*
 * An organisation's whole start in Chromium, with mail from a real SMTP server: a provider
 * creates an ID and asks to register their organisation by Tax ID; an operator approves it
 * with the CLI and the provider is mailed; the provider, now its administrator, invites two
 * people on /org; one accepts by creating an ID (the address the link proved is not asked for
 * again), one by signing in with the ID they have; a portal on openid-client asking for the
 * `organizations` scope then receives each one's membership with its role.
 */

// Providers may register themselves here, so that the journey can start on the public page.
const ACCOUNT_TYPES = [
  { id: 'member', label: { en: 'Member' }, self_registration: true },
  { id: 'provider', label: { en: 'Provider' }, self_registration: true, needs_organization: true },
];

let harness: BrowserHarness;
useBrowserHarness((started) => (harness = started), {
  policy: { account_types: ACCOUNT_TYPES, second_step: { require_security_questions: false }, rate_limits: { registration: { per_ip: { points: 0 } } } },
});

describe('accepting organisation invitations in a real browser', () => {
  const db = () => harness.portico.server.database.db;

  /** The provider's part, in `page`: an ID, the organisation's request, the operator's approval, two invitations. */
  async function providerInvites(page: Page, provider: ReturnType<typeof newPerson>, invitees: Array<{ email: string; role: 'member' | 'admin' }>) {
    const { portico, smtp } = harness;
    await page.goto(`${portico.url}/register`);
    await page.getByRole('radio', { name: 'Provider' }).check();
    await fillRegistration(page, provider);
    const [activation] = await smtp.mailsTo(provider.email);
    await page.getByLabel('Activation code').fill(/\b(\d{10})\b/.exec(activation!.decoded)![1]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('link', { name: 'Register or join your organization' }).click();
    await signInOnHostedPage(page, provider.username, provider.password);
    await page.getByLabel('Access code').fill(await accessCode(provider.email));
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByLabel('Tax ID (EIN)').fill('12-3456789');
    await page.getByLabel('Legal name').fill('Harbor Pediatrics');
    await page.getByLabel('Address').fill('12 Shore Rd, Duluth MN 55802');
    await page.getByLabel('Phone number').fill('218-555-0100');
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.getByText('Registration of Harbor Pediatrics (Tax ID ending in 6789)').waitFor();

    const requested = await db().selectFrom('organizations').select('id').where('legal_name', '=', 'Harbor Pediatrics').executeTakeFirstOrThrow();
    expect(await approveByCli(portico, requested.id)).toBe(0);
    const approval = (await smtp.mailsTo(provider.email, 4)).find((m) => /is approved/.test(m.header('Subject') ?? ''));
    expect(approval?.header('Subject')).toMatch(/^Harbor Pediatrics is approved on /);

    await page.goto(`${portico.url}/org`);
    await page.getByRole('link', { name: 'Invitations', exact: true }).click();
    for (const invitee of invitees) {
      await page.getByLabel('Email address').fill(invitee.email);
      await page.getByLabel('Role').selectOption(invitee.role);
      await page.getByRole('button', { name: 'Send the invitation' }).click();
      await page.getByRole('status').getByText(`The invitation was sent to ${invitee.email}.`).waitFor();
    }
    expect(await accessibilityViolations(page)).toEqual([]);
    return requested.id;
  }

  async function linkMailedTo(email: string): Promise<string> {
    const [mail] = await harness.smtp.mailsTo(email, 1);
    return /(http:\/\/\S+\/org\/invitation\?token=[A-Za-z0-9_-]{43})/.exec(mail!.decoded)![1]!;
  }

  async function accessCode(email: string): Promise<string> {
    const mail = await db().selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', 'access-code').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    return /^(\d{6})$/m.exec(mail.text_body)![1]!;
  }

  /** The portal signs the person in (in `context`, asking for `organizations`) and returns the ID token's claims. */
  async function portalClaims(context: BrowserContext, user: { username: string; email: string; password: string }) {
    const rp = await RelyingParty.discover(harness.portico.url, 'firstParty');
    const redirect = clients.firstParty.redirectUri.replace(portalOrigin, harness.portal.origin);
    const request = await rp.authorizationRequest({ redirect_uri: redirect, scope: 'openid profile organizations', prompt: 'login consent' });
    const page = await context.newPage();
    await page.goto(request.url);
    await signInOnHostedPage(page, user.username, user.password);
    await page.waitForURL((url) => url.origin === harness.portal.origin || url.pathname.endsWith('/access-code'));
    if (new URL(page.url()).pathname.endsWith('/access-code')) {
      await page.getByLabel('Access code').fill(await accessCode(user.email));
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await page.waitForURL((url) => url.origin === harness.portal.origin);
    return (await rp.exchange(page.url(), request)).claims();
  }

  it('a provider registers the organisation, is approved, invites two people; one creates an ID, one signs in; the portal sees both memberships', async () => {
    const newcomer = newPerson();
    const known = await harness.portico.createUser();
    const provider = newPerson();
    const organizationId = await providerInvites(await (await harness.browser.newContext()).newPage(), provider, [
      { email: newcomer.email, role: 'member' },
      { email: known.email, role: 'admin' },
    ]);

    // The newcomer: the link, "Create an ID and join", the address filled in, no code to type.
    const fresh = await harness.browser.newContext();
    const page = await fresh.newPage();
    await page.goto(await linkMailedTo(newcomer.email));
    await page.getByText('Ana Lima invited you to join Harbor Pediatrics as member.').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Create an ID and join' }).click();
    await expect(page.getByLabel('Your email address').inputValue()).resolves.toBe(newcomer.email);
    await page.getByRole('radio', { name: 'Member' }).check();
    await fillRegistration(page, newcomer, 'You joined Harbor Pediatrics');
    expect(await accessibilityViolations(page)).toEqual([]);

    // The one with an ID: the link, "Sign in to join", back to the invitation, "Join".
    const own = await trustedContext(harness.browser, harness.portico.url);
    const theirs = await own.newPage();
    await theirs.goto(await linkMailedTo(known.email));
    await theirs.getByRole('link', { name: 'Sign in to join' }).click();
    await signInOnHostedPage(theirs, known.username, known.password);
    await theirs.getByText(`You are signed in as ${known.username}.`).waitFor();
    await theirs.getByRole('button', { name: 'Join Harbor Pediatrics' }).click();
    await theirs.getByText('You are now a member of Harbor Pediatrics.').waitFor();

    const organization = (roles: string[]) => ({ organizations: [{ id: organizationId, name: 'Harbor Pediatrics', roles }] });
    expect(await portalClaims(await harness.browser.newContext(), newcomer)).toMatchObject(organization(['member']));
    expect(await portalClaims(own, { ...known })).toMatchObject(organization(['admin']));
    await fresh.close();
    await own.close();
  }, 240_000);
});
