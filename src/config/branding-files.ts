import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';
import type { Config } from './index.js';

/** Logos are small pictures on every page: anything bigger is a mistake, not a logo. */
export const LOGO_MAX_BYTES = 100 * 1024;

export interface LogoFile {
  type: 'image/svg+xml' | 'image/png' | 'image/jpeg';
  body: Buffer;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);

/**
 * Why `body` is not a picture of the type its name says, or undefined. An SVG may carry
 * script or event handlers: the page shows it through <img>, which runs neither, but the file
 * is also reachable at its own address, so a scripted one is refused outright.
 */
function contentProblem(name: string, body: Buffer): string | undefined {
  const ext = path.extname(name).toLowerCase();
  if (ext === '.png') return body.subarray(0, 8).equals(PNG) ? undefined : 'is not a PNG image';
  if (ext === '.jpg' || ext === '.jpeg') return body.subarray(0, 3).equals(JPEG) ? undefined : 'is not a JPEG image';
  const text = body.toString('utf8');
  if (!/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]/i.test(text)) return 'is not an SVG image';
  if (/<script|<foreignObject|\son[a-z]+\s*=|javascript:/i.test(text)) return 'is an SVG with script or event handlers';
  return undefined;
}

function readLogo(dir: string, name: string, where: string): LogoFile {
  const file = path.join(dir, name);
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new ConfigError(`${where}: "${name}" not found in ${dir} (BRANDING_DIR)`);
  }
  if (size > LOGO_MAX_BYTES) throw new ConfigError(`${where}: "${name}" is ${Math.ceil(size / 1024)} KB; a logo may be at most ${LOGO_MAX_BYTES / 1024} KB`);
  const body = readFileSync(file);
  const problem = contentProblem(name, body);
  if (problem) throw new ConfigError(`${where}: "${name}" ${problem}`);
  const ext = path.extname(name).toLowerCase();
  return { type: ext === '.svg' ? 'image/svg+xml' : ext === '.png' ? 'image/png' : 'image/jpeg', body };
}

/** Every logo the policy and the clients name, read and checked once at start-up; throws ConfigError naming file, entry and field. */
export function loadLogos(config: Pick<Config, 'brandingDir' | 'policyFile' | 'clientsFile' | 'policy' | 'clients'>): Map<string, LogoFile> {
  const logos = new Map<string, LogoFile>();
  const { logo } = config.policy.branding;
  if (logo) logos.set(logo, readLogo(config.brandingDir, logo, `${config.policyFile}: branding.logo`));
  for (const [clientId, settings] of config.clients.settings) {
    const name = settings.branding?.logo_uri;
    if (name && !logos.has(name)) logos.set(name, readLogo(config.brandingDir, name, `${config.clientsFile}: client "${clientId}": branding.logo_uri`));
  }
  return logos;
}
