import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contrastRatio } from '../../src/config/branding.js';
import { LOGO_MAX_BYTES, loadLogos } from '../../src/config/branding-files.js';
import { parseClients } from '../../src/config/clients.js';
import { parsePolicy } from '../../src/config/policy.js';

/* Branding's start-up checks: each bad colour or logo stops start-up with one line naming file, entry and field. */

const dir = mkdtempSync(path.join(tmpdir(), 'portico-logos-'));
const file = (name: string, body: string | Buffer) => writeFileSync(path.join(dir, name), body);
file('good.svg', '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4"/></svg>');
file('scripted.svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');
file('fake.png', 'GIF89a not a png');
file('huge.png', Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(LOGO_MAX_BYTES)]));

const logosOf = (policyBranding: object, clientBranding?: object) =>
  loadLogos({
    brandingDir: dir,
    policyFile: 'policy.json',
    clientsFile: 'clients.json',
    policy: parsePolicy('policy.json', { branding: policyBranding }),
    clients: parseClients('clients.json', JSON.stringify({ clients: [{ client_id: 'acme', client_name: 'Acme', redirect_uris: ['https://acme.example/cb'], token_endpoint_auth_method: 'none', ...(clientBranding ? { branding: clientBranding } : {}) }] }), {}),
  });

describe('branding checked at start-up', () => {
  it('measures contrast as WCAG 2.1 does', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('refuses a low-contrast colour in the policy or a portal, naming the field', () => {
    expect(() => parsePolicy('policy.json', { branding: { primary_color: '#ffd700' } })).toThrow(/^policy\.json: branding\.primary_color: "#ffd700" has a contrast of 1\.\d\d:1 with the pages' light backgrounds \(#e8f1fa\); WCAG AA text needs at least 4\.5:1$/);
    expect(() => parseClients('clients.json', JSON.stringify({ clients: [{ client_id: 'acme', client_name: 'Acme', redirect_uris: ['https://acme.example/cb'], branding: { primary_color: '#88aaff' } }] }), {})).toThrow(/^clients\.json: client "acme": branding\.primary_color: "#88aaff" has a contrast of/);
    expect(() => parsePolicy('policy.json', { branding: { primary_color: 'navy' } })).toThrow('policy.json: branding.primary_color: must be a colour written #rrggbb');
  });

  it('reads good logos and refuses a missing, oversized, mistyped or scripted one', () => {
    expect(logosOf({ logo: 'good.svg' }).get('good.svg')?.type).toBe('image/svg+xml');
    expect(() => logosOf({ logo: 'missing.png' })).toThrow(`policy.json: branding.logo: "missing.png" not found in ${dir} (BRANDING_DIR)`);
    expect(() => logosOf({}, { logo_uri: 'huge.png' })).toThrow(/^clients\.json: client "acme": branding\.logo_uri: "huge\.png" is 101 KB; a logo may be at most 100 KB$/);
    expect(() => logosOf({}, { logo_uri: 'fake.png' })).toThrow('clients.json: client "acme": branding.logo_uri: "fake.png" is not a PNG image');
    expect(() => logosOf({ logo: 'scripted.svg' })).toThrow('policy.json: branding.logo: "scripted.svg" is an SVG with script or event handlers');
    expect(() => parsePolicy('policy.json', { branding: { logo: '../etc/passwd' } })).toThrow(/branding\.logo: must be the name of a \.svg, \.png or \.jpg file/);
  });
});
