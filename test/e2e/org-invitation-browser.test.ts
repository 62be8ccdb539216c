import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import { accessibilityViolations, signInOnHostedPage, trustedContext } from '../support/browser.js';
import { useBrowserHarness, type BrowserHarness } from '../support/harness.js';
import { fillRegistration, newPerson } from '../support/journeys.js';
import { approveByCli, organizationsOf } from '../support/organizations.js';
import { clients, portalOrigin } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';

/*
 * Organisation invitations in Chromium, with mail from a real SMTP server: an administrator
 * invites two people; one accepts by creating an ID (the address the link proved is not
 * asked for again), one by signing in with the ID they have; a portal on openid-client asking
 * for the `organizations` scope then receives each one's membership with its role.
 */

let harness: BrowserHarness;
useBrowserHarness((started) => (harness = started), {
  policy: { second_step: { require_security_questions: false }, rate_limits: { registration: { per_ip: { points: 0 } } } },
});

describe('accepting organisation invitations in a real browser', () => {
  const db = () => harness.portico.server.database.db;

  async function approvedOrganization(legalName: string) {
    const { portico } = harness;
    const orgs = organizationsOf(portico);
    const admin = (await findAccountById(db(), (await portico.createUser({ givenName: 'Ada', familyName: 'Admin' })).id))!;
    const requested = await orgs.request(admin, { taxId: '12-3456789', legalName, address: '12 Shore Rd, Duluth MN 55802', phone: '218-555-0100' });
    if (!requested.ok) throw new Error('request refused');
    expect(await approveByCli(portico, requested.organizationId)).toBe(0);
    return { orgs, admin, organizationId: requested.organizationId };
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

  it('one invitee creates an ID, one signs in; the portal sees both memberships with their roles', async () => {
    const { orgs, admin, organizationId } = await approvedOrganization('Harbor Pediatrics');
    const newcomer = newPerson();
    const known = await harness.portico.createUser();
    expect((await orgs.invite(admin, organizationId, newcomer.email, 'member')).ok).toBe(true);
    expect((await orgs.invite(admin, organizationId, known.email, 'admin')).ok).toBe(true);

    // The newcomer: the link, "Create an ID and join", the address filled in, no code to type.
    const fresh = await harness.browser.newContext();
    const page = await fresh.newPage();
    await page.goto(await linkMailedTo(newcomer.email));
    await page.getByText('Ada Admin invited you to join Harbor Pediatrics as member.').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Create an ID and join' }).click();
    await expect(page.getByLabel('Your email address').inputValue()).resolves.toBe(newcomer.email);
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
