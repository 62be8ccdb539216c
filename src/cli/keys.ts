import type { Config } from '../config/index.js';
import { listSigningKeys, rotateSigningKeys } from '../oidc/keys.js';
import { parseFlags, wholeSeconds } from './args.js';
import type { CommandSpec } from './spec.js';

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

export const keysList: CommandSpec = {
  path: ['keys', 'list'],
  summary: 'list the signing keys, their status (next, current, retired) and expiry',
  example: 'portico keys list',
  database: true,
  async run(args, ctx) {
    parseFlags(args, {});
    const rows = await listSigningKeys(await ctx.db());
    ctx.out(`${'kid'.padEnd(44)} ${'alg'.padEnd(6)} ${'status'.padEnd(8)} ${'created'.padEnd(25)} expires`);
    for (const k of rows) {
      ctx.out(`${k.kid.padEnd(44)} ${k.alg.padEnd(6)} ${k.status.padEnd(8)} ${iso(k.created_at).padEnd(25)} ${iso(k.expires_at)}`);
    }
    return 0;
  },
};

export const keysRotate: CommandSpec = {
  path: ['keys', 'rotate'],
  args: '[--retire-after SECONDS]',
  summary: 'make new signing keys current; the old ones stay published until their tokens expire',
  details: ['Every server picks the new keys up within KEYS_REFRESH_SECONDS (at once when the command runs inside it).'],
  options: [['--retire-after SECONDS', `how long the old keys stay published (default: the longest of the ID token and access token lifetimes in the policy, plus ${RETIRE_MARGIN_SECONDS})`]],
  example: 'portico keys rotate --retire-after 7200',
  database: true,
  async run(args, ctx) {
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
  },
};
