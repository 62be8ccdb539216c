import Provider from 'oidc-provider';
import { ConfigError, resolveClientSecrets, resolvePolicySecrets, type Config } from '../config/index.js';
import { organizationTypesProblem, porticoClientFields } from '../config/clients.js';
import { generateSigningJwk, signingAlgorithms } from './keys.js';
import { buildProviderConfiguration, clientMetadata, type ProviderDeps } from './provider.js';

/*
 * The one validation of the clients file: server start-up and `portico clients check` both
 * call checkClients, so the check passes exactly the files the server accepts.
 */

type ClientModel = Provider['Client'];

/**
 * Registered client metadata names (IANA "OAuth Dynamic Client Registration Metadata": RFC 7591
 * §2, OpenID Connect Registration 1.0 §2, RP-Initiated, Front- and Back-Channel Logout, RFC 8705,
 * RFC 9101, RFC 9126, RFC 9396, RFC 9449, CIBA). Only candidates for "did you mean": whether a
 * name is accepted is asked of oidc-provider itself, configured as the server configures it.
 */
const REGISTERED_METADATA = [
  'application_type', 'authorization_details_types', 'authorization_encrypted_response_alg', 'authorization_encrypted_response_enc',
  'authorization_signed_response_alg', 'backchannel_authentication_request_signing_alg', 'backchannel_client_notification_endpoint',
  'backchannel_logout_session_required', 'backchannel_logout_uri', 'backchannel_token_delivery_mode', 'backchannel_user_code_parameter',
  'client_id', 'client_id_issued_at', 'client_name', 'client_secret', 'client_secret_expires_at', 'client_uri', 'contacts',
  'default_acr_values', 'default_max_age', 'dpop_bound_access_tokens', 'frontchannel_logout_session_required', 'frontchannel_logout_uri',
  'grant_types', 'id_token_encrypted_response_alg', 'id_token_encrypted_response_enc', 'id_token_signed_response_alg', 'initiate_login_uri',
  'introspection_encrypted_response_alg', 'introspection_encrypted_response_enc', 'introspection_signed_response_alg', 'jwks', 'jwks_uri',
  'logo_uri', 'policy_uri', 'post_logout_redirect_uris', 'redirect_uris', 'request_object_encryption_alg', 'request_object_encryption_enc',
  'request_object_signing_alg', 'request_uris', 'require_auth_time', 'require_pushed_authorization_requests', 'require_signed_request_object',
  'response_modes', 'response_types', 'scope', 'sector_identifier_uri', 'software_id', 'software_statement', 'software_version', 'subject_type',
  'tls_client_auth_san_dns', 'tls_client_auth_san_email', 'tls_client_auth_san_ip', 'tls_client_auth_san_uri', 'tls_client_auth_subject_dn',
  'tls_client_certificate_bound_access_tokens', 'token_endpoint_auth_method', 'token_endpoint_auth_signing_alg', 'tos_uri',
  'use_mtls_endpoint_aliases', 'userinfo_encrypted_response_alg', 'userinfo_encrypted_response_enc', 'userinfo_signed_response_alg',
];

/** A client oidc-provider accepts as it is; a probe adds one name to it. */
const PROBE = { client_id: 'probe', token_endpoint_auth_method: 'none', redirect_uris: ['https://probe.invalid/cb'] };

/**
 * oidc-provider drops metadata names it does not recognise without a word: its client schema
 * (Client.Schema, what Client.validate runs) keeps only recognised ones. A recognised name set
 * to null either fails its type check or is kept; an unrecognised one is dropped.
 */
async function recognised(Client: ClientModel, name: string): Promise<boolean> {
  const { Schema } = Client as unknown as { Schema: new (metadata: object) => object };
  try {
    return Object.hasOwn(new Schema({ ...PROBE, [name]: null }), name);
  } catch {
    return true;
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

export function nearest(name: string, known: Iterable<string>): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate);
    if (!best || d < best.d) best = { name: candidate, d };
  }
  // A typo, not another word: at most a third of the name changed.
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.name : undefined;
}

/** Throwaway keys, made once per process: they sign nothing. */
let throwawayKeys: Promise<object[]> | undefined;

/** An oidc-provider instance configured exactly as the server's, with throwaway keys: it only validates. */
async function validationProvider(config: Config): Promise<Provider> {
  const refuse = () => Promise.reject(new Error('validation-only provider'));
  const deps = {
    config,
    db: undefined,
    accounts: undefined,
    adapter: class {},
    cookieKeys: ['validation-only'],
    pages: { renderError: refuse, logoutSource: refuse, postLogoutSuccessSource: refuse },
  } as unknown as ProviderDeps;
  // Keys of the server's algorithms: oidc-provider offers clients only the algorithms it has keys for.
  throwawayKeys ??= Promise.all(signingAlgorithms.map((alg) => generateSigningJwk(alg)));
  return new Provider(config.issuer, buildProviderConfiguration(deps, { keys: await throwawayKeys }));
}

async function unknownField(Client: ClientModel, metadata: Record<string, unknown>): Promise<string | undefined> {
  const portico = new Set(porticoClientFields);
  for (const name of Object.keys(metadata)) {
    if (portico.has(name) || (await recognised(Client, name))) continue;
    const known = [...portico];
    for (const candidate of REGISTERED_METADATA) if (await recognised(Client, candidate)) known.push(candidate);
    const guess = nearest(name, known);
    return `${name}: unknown field${guess ? `; did you mean ${guess}?` : ' (neither client metadata oidc-provider recognises nor a Portico field)'}`;
  }
  return undefined;
}

/**
 * Reads the secrets (config/client-secrets.ts: the portals' and the policy's identity checks'),
 * then refuses names oidc-provider would drop and metadata it refuses (RFC 7591 §2), and
 * organisation kinds the policy does not declare, naming file, client and field in one line.
 * oidc-provider checks a static client only when it is first used: this checks them all now.
 * Returns the config with its secrets read. Throws ConfigError.
 */
export async function checkClients(config: Config): Promise<Config> {
  const types = organizationTypesProblem(config.clientsFile, config.clients, config.policy.account_types);
  if (types) throw new ConfigError(types);
  const resolved = resolvePolicySecrets(resolveClientSecrets(config));
  const { Client } = await validationProvider(resolved);
  // As the server hands them to oidc-provider, admin clients' scopes and defaults included.
  for (const metadata of clientMetadata(resolved)) {
    const where = `${resolved.clientsFile}: client "${String(metadata.client_id)}"`;
    const unknown = await unknownField(Client, metadata);
    if (unknown) throw new ConfigError(`${where}: ${unknown}`);
    try {
      await Client.validate(metadata as never);
    } catch (error) {
      const e = error as { error_description?: string; message: string };
      throw new ConfigError(`${where}: ${e.error_description ?? e.message}`);
    }
  }
  return resolved;
}
