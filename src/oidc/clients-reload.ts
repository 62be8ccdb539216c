import { readClientsFile, type Config } from '../config/index.js';
import type { ProviderHost } from './host.js';
import { checkClients } from './validate-clients.js';

/*
 * Reloading the clients file without a restart (POST /admin/api/v1/clients/reload, SIGHUP).
 *
 * oidc-provider reads its `clients` configuration once, at construction. It can also find
 * clients through the adapter's Client model, but that would change how every portal is found
 * and cached and put the clients file into the protocol store. The least risky way is the one
 * key rotation already takes (host.ts): build a new Provider over the new clients and swap it
 * in behind the same Koa mount. Protocol state lives in the adapter and the cookie keys do not
 * change, so sign-ins in flight carry on, and requests already in the old instance finish there.
 *
 * Portico's own per-client settings are read from config.clients at request time everywhere
 * (first party, PKCE, legacy links, admin scopes, the CSP's portal origins), so putting the new
 * clients on the server's one Config object is the rest of the swap.
 */

/**
 * Reads and checks the file exactly as start-up does (config/clients.ts, the secrets it names,
 * production's rules, oidc-provider's own checks in validate-clients.ts). Secrets are read from
 * the environment the server started with. Throws ConfigError with start-up's one line.
 */
export async function readClients(config: Config): Promise<Config> {
  const fresh = readClientsFile(config.clientsFile, config.issuer, {});
  return checkClients({ ...config, clients: { ...fresh, readSecret: config.clients.readSecret } });
}

/** Puts checked clients (from readClients) in force: for Portico's readers, then in a new Provider. */
export async function applyClients(config: Config, checked: Config, host: ProviderHost): Promise<void> {
  const previous = config.clients;
  config.clients = checked.clients;
  try {
    await host.rebuild();
  } catch (error) {
    // The signing keys could not be read (a store outage): the old provider stays, and so must its clients.
    config.clients = previous;
    throw error;
  }
}
