import { CODE_HMAC_KEY_SETTING } from '../identity/keyed-hash.js';
import { resealTaxIds } from '../identity/organizations/tax-id.js';
import { resealAuthenticatorSecrets } from '../identity/second-step/authenticator-app.js';
import { sealSigningKeys } from '../oidc/keys.js';
import { sealModelPayloads } from '../oidc/adapters/sql.js';
import { sealSecretSettings } from '../storage/instance-settings.js';
import { secretBoxFor } from '../storage/secret-box.js';
import { parseFlags, UsageError } from './args.js';
import type { CommandSpec } from './spec.js';

const rotateEncryptionUsage = 'usage: KEYS_ENCRYPTION_KEY=<new> KEYS_ENCRYPTION_KEY_PREVIOUS=<old> portico keys rotate-encryption';

/** The secret settings sealed at rest (server.ts seals the same ones at start-up). */
const SECRET_SETTINGS = [CODE_HMAC_KEY_SETTING, 'cookie_secret'];

/**
 * Reseals every secret at rest with KEYS_ENCRYPTION_KEY: signing keys, secret settings, the
 * protocol records of oidc_models, authenticator apps' secrets and organisations' Tax IDs. Values sealed with KEYS_ENCRYPTION_KEY_PREVIOUS (or with the
 * development key this installation generated) are opened with it. Each row is rewritten only
 * if unchanged since read, so it is safe while servers run with both keys set; run it again
 * and it finds nothing to do.
 */
export const keysRotateEncryption: CommandSpec = {
  path: ['keys', 'rotate-encryption'],
  summary: 'reseal the secrets at rest (signing keys, code HMAC key, cookie secret, protocol records, authenticator apps, Tax IDs) with KEYS_ENCRYPTION_KEY',
  details: [
    'Values sealed with KEYS_ENCRYPTION_KEY_PREVIOUS (or the development key this installation generated) are opened with it.',
    'On the embedded database, while a server runs, the command runs inside it and uses the server\'s keys.',
  ],
  example: 'KEYS_ENCRYPTION_KEY=$(openssl rand -base64 32) KEYS_ENCRYPTION_KEY_PREVIOUS=$OLD_KEY portico keys rotate-encryption',
  database: true,
  run: rotateEncryption,
};

async function rotateEncryption(args: string[], ctx: Parameters<CommandSpec['run']>[1]): Promise<number> {
  parseFlags(args, {});
  if (!ctx.config.keysEncryption.key) throw new UsageError(`KEYS_ENCRYPTION_KEY must name the new key; ${rotateEncryptionUsage}`);
  const db = await ctx.db();
  const box = await secretBoxFor(db);
  const keys = await sealSigningKeys(db);
  const settings = await sealSecretSettings(db, SECRET_SETTINGS);
  const records = await sealModelPayloads(db, { reseal: true });
  ctx.out(`resealed ${keys} signing keys, ${settings} settings and ${records} protocol records with key ${box.currentId}`);
  ctx.out(`resealed ${await resealAuthenticatorSecrets(db)} authenticator app secrets`);
  ctx.out(`resealed ${await resealTaxIds(db)} organisation Tax IDs`);
  ctx.out('once every process runs with the new KEYS_ENCRYPTION_KEY, remove KEYS_ENCRYPTION_KEY_PREVIOUS');
  return 0;
}
