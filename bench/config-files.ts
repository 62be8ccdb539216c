import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePolicy, type Policy } from '../src/config/policy.js';
import { benchClients } from './fixtures.js';

const off = { points: 0 };
/** Load from one address and a few accounts must not be throttled (0 points = limit off). */
const noRateLimits = { sign_in: { per_ip: off, per_account: off }, token: { per_client: off } };

/** BENCH_ARGON2=memory_kib,time_cost,parallelism: other argon2id parameters than the policy's defaults. */
function argon2Override(): object {
  const value = process.env.BENCH_ARGON2;
  if (!value) return {};
  const [memory_kib, time_cost, parallelism] = value.split(',').map(Number);
  return { argon2: { memory_kib, time_cost, parallelism } };
}

/**
 * Writes Portico's clients and policy files into `dir`. The policy turns rate limits off where
 * this checkout has them; an older policy schema (strict, without `rate_limits`) gets defaults.
 * Portico runs in production mode, which takes client secrets from the environment only:
 * `secretEnv` holds the variables the clients file names.
 */
export function writeConfigFiles(dir: string): { clientsFile: string; policyFile: string; policy: Policy; secretEnv: Record<string, string> } {
  const clientsFile = path.join(dir, 'clients.json');
  const secretEnv: Record<string, string> = {};
  const clients = benchClients().map(({ client_secret, ...client }) => {
    const name = `BENCH_CLIENT_SECRET_${client.client_id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    if (client_secret) secretEnv[name] = client_secret;
    return { ...client, ...(client_secret ? { client_secret_env: name } : {}), client_name: client.client_id, first_party: true };
  });
  writeFileSync(clientsFile, JSON.stringify({ clients }));
  const policyFile = path.join(dir, 'policy.json');
  let json: object = { rate_limits: noRateLimits, ...argon2Override() };
  let policy: Policy;
  try {
    policy = parsePolicy(policyFile, json);
  } catch {
    json = argon2Override();
    policy = parsePolicy(policyFile, json);
  }
  writeFileSync(policyFile, JSON.stringify(json));
  return { clientsFile, policyFile, policy, secretEnv };
}
