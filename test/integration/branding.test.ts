import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { enrolmentSecret } from '../../src/identity/second-step/authenticator-app.js';
import { otpauthUri } from '../../src/identity/second-step/totp.js';
import type { Db } from '../../src/storage/database.js';
import { DEVICE_COOKIE, portalOrigin, TEST_DEVICE_TOKEN, usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * Branding: the instance's name and help desk replace "Portico", and a journey from a branded
 * portal carries that portal's logo, colour and help-desk phone on its pages and in its mails.
 * The same person signs in from two portals branded differently. An authenticator app lists
 * the ID under the instance's name.
 */

const brandingDir = mkdtempSync(path.join(tmpdir(), 'portico-branding-'));
writeFileSync(path.join(brandingDir, 'member.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#005a9c"/></svg>');
writeFileSync(path.join(brandingDir, 'plan.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#1b5e20"/></svg>');
writeFileSync(path.join(brandingDir, 'provider.png'), Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'));

const portal = (id: string, name: string, branding: object) => ({
  client_id: id,
  client_name: name,
  client_secret: `${id}-secret-0123456789abcdef0123`,
  redirect_uris: [`${portalOrigin}/${id}/callback`],
  first_party: true,
  branding,
});

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)), {
  env: { BRANDING_DIR: brandingDir },
  policy: {
    branding: { service_name: 'One Health ID', logo: 'plan.svg', primary_color: '#1b5e20', help_desk: { phone: '1-800-555-0100', url: 'https://plan.example/help' }, footer_links: [{ label: 'Accessibility', url: 'https://plan.example/accessibility' }] },
    second_step: { access_code: { resend_throttle_seconds: 0 } },
    // Locked IDs are re-enabled by the help desk here, so the locked page names whom to call.
    lockout: { default_unlock: 'help_desk' },
  },
  extraClients: [
    portal('member-site', 'Member Site', { display_name: 'Acme Members', logo_uri: 'member.svg', primary_color: '#005a9c', support: { phone: '1-800-555-0111', hours: 'Mon-Fri 8am-6pm' } }),
    portal('provider-site', 'Provider Site', { display_name: 'Acme Providers', logo_uri: 'provider.png', primary_color: '#6a1b9a', support: { phone: '1-800-555-0122' } }),
  ],
});

async function startAt(clientId: string, user?: { username: string; password: string }) {
  const rp = await RelyingParty.discover(portico.url, { id: clientId, secret: `${clientId}-secret-0123456789abcdef0123`, redirectUri: `${portalOrigin}/${clientId}/callback` }, new UserAgent(portalOrigin));
  const page = await rp.browser.follow((await rp.authorizationRequest()).url);
  return { rp, page: user ? await rp.submitSignIn(page, user.username, user.password) : page };
}

const latestMailHtml = async (email: string) =>
  (await db.selectFrom('mail_outbox').select(['html_body', 'text_body']).where('to_address', '=', email).orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow());

describe('branded pages and mails', () => {
  it('shows the same person portal A\'s logo, colour and phone from A, and B\'s from B, with the service\'s own name', async () => {
    const { page: fromA } = await startAt('member-site');
    expect(fromA.html).toContain('src="/branding/logo/member.svg" alt="Acme Members"');
    expect(fromA.html).toContain('href="/branding/theme/member-site.css"');
    expect(fromA.html).toContain('Need help? Call 1-800-555-0111 (Mon-Fri 8am-6pm).');
    expect(fromA.html).toContain('One Health ID');
    expect(fromA.html).not.toMatch(/Portico/);
    expect(fromA.html).toContain('href="https://plan.example/accessibility"');

    const { page: fromB } = await startAt('provider-site');
    expect(fromB.html).toContain('src="/branding/logo/provider.png" alt="Acme Providers"');
    expect(fromB.html).toContain('href="/branding/theme/provider-site.css"');
    expect(fromB.html).toContain('Need help? Call 1-800-555-0122.');
    expect(fromB.html).not.toContain('1-800-555-0111');

    const css = (key: string) => fetch(`${portico.url}/branding/theme/${key}.css`).then((r) => r.text());
    expect(await css('member-site')).toContain('--brand: #005a9c;');
    expect(await css('provider-site')).toContain('--brand: #6a1b9a;');
    const logo = await fetch(`${portico.url}/branding/logo/provider.png`);
    expect([logo.status, logo.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect((await fetch(`${portico.url}/branding/logo/other.png`)).status).toBe(404);
  });

  it('puts the portal\'s logo and phone in the mails its journey sends, and the instance\'s in the others', async () => {
    const user = await portico.createUser({ trustDevice: false });
    await startAt('member-site', user);
    const fromA = await latestMailHtml(user.email);
    expect(fromA.html_body).toContain(`src="${portico.url}/branding/logo/member.svg"`);
    expect(fromA.html_body).toContain('color:#005a9c;');
    expect(fromA.text_body).toContain('Questions? Call the help desk at 1-800-555-0111.');
    expect(fromA.html_body + fromA.text_body).not.toMatch(/Portico/);

    await startAt('provider-site', user);
    const fromB = await latestMailHtml(user.email);
    expect(fromB.html_body).toContain(`src="${portico.url}/branding/logo/provider.png"`);
    expect(fromB.text_body).toContain('1-800-555-0122');

    // The standalone recovery page comes from no portal: the instance's help desk.
    const agent = new UserAgent(portalOrigin);
    const recover = await agent.follow(`${portico.url}/recover/username`);
    expect(recover.html).toContain('Need help? Call 1-800-555-0100.');
    // The instance's own logo, colour and help-desk page.
    expect(recover.html).toContain('src="/branding/logo/plan.svg" alt="One Health ID"');
    expect(recover.html).toContain('href="/branding/theme/default.css"');
    expect(recover.html).toContain('href="https://plan.example/help"');
    expect(recover.html).not.toMatch(/Portico/);
    expect(await (await fetch(`${portico.url}/branding/theme/default.css`)).text()).toContain('--brand: #1b5e20;');
  });

  it('keeps the portal\'s brand on a recovery begun from its sign-in page, on the pages and in the mail', async () => {
    const user = await portico.createUser();
    for (const [clientId, logo, phone, other] of [
      ['member-site', 'member.svg', '1-800-555-0111', '1-800-555-0122'],
      ['provider-site', 'provider.png', '1-800-555-0122', '1-800-555-0111'],
    ] as const) {
      const { rp, page: signIn } = await startAt(clientId);
      const forgot = /href="(\/recover\/username\?from=[^"]+)"/.exec(signIn.html!)![1]!;
      const form = await rp.browser.follow(`${portico.url}${forgot}`);
      expect(form.html, clientId).toContain(`src="/branding/logo/${logo}"`);
      expect(form.html, clientId).toContain(`Need help? Call ${phone}`);
      expect(form.html, clientId).not.toContain(other);
      // The next page, a post without the link's `from`, still knows the portal.
      const sent = await rp.browser.follow(`${portico.url}/recover/username`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, email: user.email } });
      expect(sent.html, clientId).toContain(`href="/branding/theme/${clientId}.css"`);
      const mail = await latestMailHtml(user.email);
      expect(mail.html_body, clientId).toContain(`src="${portico.url}/branding/logo/${logo}"`);
      expect(mail.text_body, clientId).toContain(phone);
      expect(mail.text_body, clientId).not.toContain(other);
    }
  });

  it('tells a locked person the portal\'s help-desk number instead of "the number on your portal\'s sign-in page"', async () => {
    const user = await portico.createUser();
    for (let i = 0; i < 5; i++) await startAt('provider-site', { ...user, password: `Wrong${i}Horse9` });
    const { page } = await startAt('provider-site', user);
    expect(page.response.status).toBe(403);
    expect(page.html).toContain('Call the help desk at 1-800-555-0122.');
    expect(page.html).not.toContain("number on your portal");
  });

  it('has the authenticator app list the ID under the service\'s name: the QR code carries it as the otpauth issuer', async () => {
    const user = await portico.createUser();
    const agent = new UserAgent(portalOrigin);
    agent.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
    const signIn = await agent.follow(`${portico.url}/account/authenticator-app`);
    const form = { csrf: hiddenInput(signIn.html!, 'csrf')!, login: user.username, password: user.password };
    await agent.follow(new URL(formAction(signIn.html!, /\/login$/)!, signIn.url).toString(), { form });
    const page = await agent.follow(`${portico.url}/account/authenticator-app`);
    expect(page.html).toContain('Set up an authenticator app');
    const uri = otpauthUri('One Health ID', user.username, (await enrolmentSecret(db, user.id))!);
    expect(uri).toMatch(/^otpauth:\/\/totp\/One%20Health%20ID:[^?]+\?.*issuer=One%20Health%20ID/);
    // The page's QR code is the one drawn from that URI (the drawing is deterministic), and not the one naming "Portico".
    const qr = (text: string) => QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    expect(page.html).toContain(await qr(uri));
    expect(page.html).not.toContain(await qr(uri.replaceAll('One%20Health%20ID', 'Portico')));
  });
});
