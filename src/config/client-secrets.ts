import { ACCOUNT_CLIENT_ID } from './account-client.js';
import type { ClientsConfig, PorticoClientSettings } from './clients.js';
import { ConfigError } from './errors.js';
import { withCheckSecrets } from './policy-identity-check.js';
import { webhookProductionProblem, webhookSecretField } from './webhooks.js';
import type { Config } from './index.js';

/**
 * Client secrets, wherever they come from (the file or an environment variable), meet one
 * rule. 16 characters is the floor Portico has always set for `client_secret`; a secret used
 * as an HMAC key (client_secret_jwt) needs as many bytes as the hash (RFC 7518 §3.2).
 */
export const MIN_CLIENT_SECRET_LENGTH = 16;
export const SECRET_RULE = `must be at least ${MIN_CLIENT_SECRET_LENGTH} characters`;

export function secretProblem(secret: string): string | undefined {
  return secret.length < MIN_CLIENT_SECRET_LENGTH ? SECRET_RULE : undefined;
}

/** The shipped example secrets say so; such a secret is public and must never guard production. */
const DEV_ONLY = /dev-only/i;

function fileEntry(config: Config, clientId: string): string {
  return `${config.clientsFile}: client "${clientId}"`;
}

/**
 * What production refuses in the clients file before any secret is read: secrets written into
 * the file (they end up in images and repositories), and plain-http redirect URIs for web
 * clients, whose codes would cross the network in clear (RFC 9700 §2.6; OAuth 2.0 RFC 6749
 * §3.1.2.1), and plain-http back-channel logout URIs. Native clients keep their loopback
 * redirects (RFC 8252 §7.3); oidc-provider checks those.
 */
function checkProductionEntries(config: Config): void {
  for (const client of config.clients.metadata) {
    const id = String(client.client_id);
    if (id === ACCOUNT_CLIENT_ID) continue;
    if (client.client_secret !== undefined) {
      throw new ConfigError(`${fileEntry(config, id)}: client_secret: not allowed when NODE_ENV=production; name an environment variable with client_secret_env`);
    }
    // Logout tokens name the person and the session: never in clear, native client or not.
    const logout = client.backchannel_logout_uri;
    if (typeof logout === 'string' && logout.toLowerCase().startsWith('http:')) {
      throw new ConfigError(`${fileEntry(config, id)}: backchannel_logout_uri: ${logout}: needs https when NODE_ENV=production`);
    }
    if (client.application_type === 'native') continue;
    const uris = Array.isArray(client.redirect_uris) ? client.redirect_uris : [];
    const plain = uris.find((uri) => typeof uri === 'string' && uri.toLowerCase().startsWith('http:'));
    if (plain) throw new ConfigError(`${fileEntry(config, id)}: redirect_uris: ${plain}: a web client needs https when NODE_ENV=production`);
  }
  for (const [id, settings] of config.clients.settings) {
    const problem = webhookProductionProblem(settings.webhooks ?? []);
    if (problem) throw new ConfigError(`${fileEntry(config, id)}: ${problem}`);
  }
}

/**
 * Reads the secrets the clients file names by environment variable, applying the same rules as
 * to secrets written in the file, and production's rules. Only the server (at start-up) and
 * `portico clients check` call this: other commands never need a portal's secret, so an
 * operator's shell without them can still run them. Throws ConfigError.
 */
export function resolveClientSecrets(config: Config): Config {
  const { clients } = config;
  if (clients.resolved) return config;
  if (config.production) checkProductionEntries(config);
  const secrets = new Map<string, string>();
  for (const ref of clients.secretsFromEnv) {
    const value = clients.readSecret(ref.variable);
    if (!value) throw new ConfigError(`${ref.where}: ${ref.field}: ${ref.variable} is not set`);
    // A portal's verifier secret is the portal's to choose; client and webhook secrets are keys Portico relies on.
    const problem = ref.field === 'legacy_link.verifier.secret_env' ? undefined : secretProblem(value);
    if (problem) throw new ConfigError(`${ref.where}: ${ref.field}: the value of ${ref.variable} ${problem}`);
    secrets.set(`${ref.clientId}\n${ref.field}`, value);
  }
  if (config.production) {
    const devOnly = clients.secretsFromEnv.find((ref) => DEV_ONLY.test(secrets.get(`${ref.clientId}\n${ref.field}`)!));
    if (devOnly) throw new ConfigError(`${devOnly.where}: ${devOnly.field}: the secret is marked dev-only; not allowed when NODE_ENV=production`);
  }
  const metadata = clients.metadata.map((client) => {
    const secret = secrets.get(`${String(client.client_id)}\nclient_secret_env`);
    return secret ? { ...client, client_secret: secret } : client;
  });
  const settings = new Map<string, PorticoClientSettings>();
  for (const [id, s] of clients.settings) {
    const secret = secrets.get(`${id}\nlegacy_link.verifier.secret_env`);
    const withVerifier = secret && s.legacyLink?.verifier ? { ...s, legacyLink: { ...s.legacyLink, verifier: { ...s.legacyLink.verifier, secret } } } : s;
    const webhooks = s.webhooks?.map((hook, i) => ({ ...hook, secret: secrets.get(`${id}\n${webhookSecretField(i)}`) }));
    settings.set(id, webhooks ? { ...withVerifier, webhooks } : withVerifier);
  }
  const resolved: ClientsConfig = { ...clients, metadata, settings, resolved: true };
  return { ...config, clients: resolved };
}

/**
 * The policy's identity checks call verifiers with secrets of their own, read where the
 * portals' are (the server and `clients check`), from the same environment. Throws ConfigError.
 */
export function resolvePolicySecrets(config: Config): Config {
  const account_types = withCheckSecrets(config.policy.account_types, config.clients.readSecret, config.policyFile);
  return { ...config, policy: { ...config.policy, account_types } };
}
