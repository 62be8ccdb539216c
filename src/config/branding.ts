import { z } from 'zod';

/*
 * How the hosted pages and mails look and whom they name: the instance's own brand (the policy
 * file's `branding`) and, when a journey comes from a portal, that portal's (its clients-file
 * entry's `branding`) on top. Colours are checked for WCAG 2.1 AA text contrast (1.4.3: 4.5:1)
 * against the lightest-but-darkest background the brand colour is written on (the notices'
 * pale blue, public/portico.css): it is link text on the page, on cards and in notices, and
 * the background of white button text, and every one of those is lighter than this.
 */

const PALEST_BACKGROUND = '#e8f1fa';
const AA_TEXT = 4.5;

/** WCAG 2.1 relative luminance of an sRGB colour given as #rrggbb. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** WCAG 2.1 contrast ratio of two #rrggbb colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const COLOUR = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written #rrggbb')
  .superRefine((colour, ctx) => {
    const ratio = contrastRatio(colour, PALEST_BACKGROUND);
    if (ratio < AA_TEXT) ctx.addIssue({ code: 'custom', message: `"${colour}" has a contrast of ${ratio.toFixed(2)}:1 with the pages' light backgrounds (${PALEST_BACKGROUND}); WCAG AA text needs at least ${AA_TEXT}:1` });
  });

/** A logo is a file in BRANDING_DIR, by name (checked at start-up: branding-files.ts). */
export const LOGO_FILE = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(svg|png|jpe?g)$/i, 'must be the name of a .svg, .png or .jpg file in BRANDING_DIR');

const supportSchema = z
  .object({
    phone: z.string().regex(/^[0-9A-Za-z +().-]{3,40}$/, 'must be a phone number (digits, spaces, + - . ( ) and letters, 3 to 40)').optional(),
    hours: z.string().min(1).max(120).optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();

export const instanceBrandingSchema = z
  .object({
    /** Replaces "Portico" in every page and mail. */
    service_name: z.string().min(1).max(60).default('Portico'),
    logo: LOGO_FILE.optional(),
    primary_color: COLOUR.default('#0b4f8a'),
    footer_links: z.array(z.object({ label: z.string().min(1).max(60), url: z.string().min(1).max(300) }).strict()).max(8).default([]),
    help_desk: supportSchema.optional(),
  })
  .strict()
  .prefault({});

export const portalBrandingSchema = z
  .object({
    display_name: z.string().min(1).max(100).optional(),
    logo_uri: LOGO_FILE.optional(),
    primary_color: COLOUR.optional(),
    support: supportSchema.optional(),
  })
  .strict();

export type InstanceBranding = z.infer<typeof instanceBrandingSchema>;
export type PortalBranding = z.infer<typeof portalBrandingSchema>;

/** What a page or mail shows: the instance's brand with the portal's on top. */
export interface Brand {
  /** 'default', or the client_id whose branding this is: names the theme stylesheet. */
  key: string;
  /** The service: replaces "Portico". */
  name: string;
  /** The portal's name when the journey comes from one. */
  portalName?: string;
  /** The logo's file in BRANDING_DIR, served at /branding/logo/<file>. */
  logo?: string;
  /** Its absolute URL, for mails. */
  logoUrl?: string;
  colour: string;
  support?: { phone?: string; hours?: string; url?: string };
  footerLinks: { label: string; url: string }[];
}

export const logoPath = (file: string) => `/branding/logo/${encodeURIComponent(file)}`;

const withLogo = (brand: Brand, issuer: string): Brand => (brand.logo ? { ...brand, logoUrl: `${issuer}${logoPath(brand.logo)}` } : brand);

export function instanceBrand(branding: InstanceBranding, issuer: string): Brand {
  return withLogo({ key: 'default', name: branding.service_name, logo: branding.logo, colour: branding.primary_color, support: branding.help_desk, footerLinks: branding.footer_links }, issuer);
}

/** `portal`: the clients file's branding and name of the portal the journey comes from. */
export function brandOf(branding: InstanceBranding, issuer: string, portal?: { clientId: string; clientName: string; branding?: PortalBranding }): Brand {
  const base = instanceBrand(branding, issuer);
  if (!portal) return base;
  const own = portal.branding;
  return withLogo({
    ...base,
    key: own ? portal.clientId : base.key,
    portalName: own?.display_name ?? portal.clientName,
    logo: own?.logo_uri ?? base.logo,
    colour: own?.primary_color ?? base.colour,
    support: own?.support ?? base.support,
  }, issuer);
}

/** A darker shade of the brand colour for hover states (each channel times 0.75): darker only adds contrast with white. */
export function darker(colour: string): string {
  const channels = [1, 3, 5].map((i) => Math.round(parseInt(colour.slice(i, i + 2), 16) * 0.75));
  return `#${channels.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}
