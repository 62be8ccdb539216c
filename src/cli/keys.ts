import type { Config } from '../config/index.js';
import { listSigningKeys, rotateSigningKeys } from '../oidc/keys.js';
import { parseFlags, UsageError, wholeSeconds } from './args.js';
import type { Command } from './context.js';
import { rotateEncryption, rotateEncryptionUsage } from './keys-encryption.js';

const usage = `usage: portico keys rotate [--retire-after SECONDS] | portico keys list | ${rotateEncryptionUsage.replace('usage: ', '')}`;

/** Margin for clock skew between Portico and the portals that verify its tokens. */
export const RETIRE_MARGIN_SECONDS = 300;

/**
 * Default retirement: the longest lifetime of a token signed with the key (ID token, JWT
 * access token) plus the margin, so every token signed before the rotation still verifies.
 */
export function defaultRetireAfter(config: Config): number {
  const s = config.policy.sessions;
  return Math.max(s.id_token_ttl_seconds, s.access_token_ttl_seconds) + RETIRE_MARGIN_SECONDS;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : '-');

const list: Command = async (args, ctx) => {
  parseFlags(args, {});
  const rows = await listSigningKeys(await ctx.db());
  ctx.out(`${'kid'.padEnd(44)} ${'alg'.padEnd(6)} ${'status'.padEnd(8)} ${'created'.padEnd(25)} expires`);
  for (const k of rows) {
    ctx.out(`${k.kid.padEnd(44)} ${k.alg.padEnd(6)} ${k.status.padEnd(8)} ${iso(k.created_at).padEnd(25)} ${iso(k.expires_at)}`);
  }
  return 0;
};

const rotate: Command = async (args, ctx) => {
  const flags = parseFlags(args, { 'retire-after': { type: 'string' } });
  const retireAfterSeconds = wholeSeconds('--retire-after', flags['retire-after'], defaultRetireAfter(ctx.config));
  for (const r of await rotateSigningKeys(await ctx.db(), { retireAfterSeconds })) {
    const retired = r.retiredKid ? `; ${r.retiredKid} retired, published for ${retireAfterSeconds} s more` : '';
    ctx.out(`${r.alg}: new current key ${r.newKid}${retired}`);
  }
  if (ctx.onKeysChanged) {
    await ctx.onKeysChanged();
    ctx.out('the running server signs with the new keys now');
  } else {
    ctx.out(`running servers switch within ${ctx.config.keysRefreshSeconds} s (KEYS_REFRESH_SECONDS)`);
  }
  return 0;
};

export const keys: Command = async ([sub, ...rest], ctx) => {
  if (sub === 'list') return list(rest, ctx);
  if (sub === 'rotate') return rotate(rest, ctx);
  if (sub === 'rotate-encryption') return rotateEncryption(rest, ctx);
  throw new UsageError(usage);
};
