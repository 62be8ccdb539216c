import { parseArgs } from 'node:util';
import { listSigningKeys, rotateSigningKeys } from '../oidc/keys.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';

const iso = (d: Date | null) => (d ? d.toISOString() : '-');

const list: Command = async (_args, ctx) => {
  for (const k of await listSigningKeys(await ctx.db())) {
    ctx.out(`${k.kid}  ${k.alg}  ${k.status.padEnd(7)}  created ${iso(k.created_at)}  expires ${iso(k.expires_at)}`);
  }
  return 0;
};

/**
 * Default retirement: the longest lifetime of a token signed with the key (ID token, JWT
 * access token) plus five minutes of clock skew, so every such token still verifies.
 */
const rotate: Command = async (args, ctx) => {
  const { values } = parseArgs({ args, options: { 'retire-after': { type: 'string' } } });
  const s = ctx.config.policy.sessions;
  const fallback = Math.max(s.id_token_ttl_seconds, s.access_token_ttl_seconds) + 300;
  const retireAfterSeconds = values['retire-after'] === undefined ? fallback : Number(values['retire-after']);
  if (!Number.isInteger(retireAfterSeconds) || retireAfterSeconds < 0) throw new UsageError('--retire-after takes a whole number of seconds');
  for (const r of await rotateSigningKeys(await ctx.db(), { retireAfterSeconds })) {
    ctx.out(`${r.alg}: new current key ${r.newKid}${r.retiredKid ? `; ${r.retiredKid} retired, published for ${retireAfterSeconds} s more` : ''}`);
  }
  ctx.out(`running processes switch within ${ctx.config.keysRefreshSeconds} s`);
  return 0;
};

export const keys: Command = async ([sub, ...rest], ctx) => {
  if (sub === 'list') return list(rest, ctx);
  if (sub === 'rotate') return rotate(rest, ctx);
  throw new UsageError('usage: portico keys rotate [--retire-after SECONDS] | portico keys list');
};
