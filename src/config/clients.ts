import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, describeIssue } from './errors.js';
import { SECRET_RULE, secretProblem } from './client-secrets.js';
import { ACR_LEVELS, isAcr, type Acr } from './acr-levels.js';
import { portalBrandingSchema, type PortalBranding } from './branding.js';
import { ADMIN_SCOPES, isAdminScope, type AdminScope } from './admin-scopes.js';
import { httpVerifierSettings, httpVerifierShape, type HttpVerifier } from './http-verifier.js';
import { webhookSecretField, webhookSettings, webhooksSchema, type WebhookSettings } from './webhooks.js';
import { ACCOUNT_TYPE_ID, undeclaredTypeProblem, type AccountType } from './policy-account-types.js';

/** A portal's own endpoint that checks its old credentials (http-verifier.ts). */
const verifierSchema = z.object(httpVerifierShape).strict();

const legacyLinkSchema = z
  .object({
    system: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, - or _'),
    display_name: z.string().min(1).max(100),
    claim: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).optional(),
    verifier: verifierSchema.optional(),
  })
  .strict();

/**
 * One relying portal. Standard OIDC client metadata passes through to oidc-provider, which
 * validates it (RFC 7591 / OIDC Registration); the fields below are Portico's own.
 */
const clientSchema = z
  .object({
    client_id: z.string().min(1).max(200),
    client_secret: z.string().refine((s) => !secretProblem(s), SECRET_RULE).optional(),
    client_secret_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
    client_name: z.string().min(1).max(200),
    redirect_uris: z.array(z.string()).optional(),
    first_party: z.boolean().default(false),
    /** Every sign-in to this portal takes the second step, even from a remembered device. */
    require_second_step: z.boolean().default(false),
    /** The weakest assurance level (acr) every sign-in to this portal must reach (acr-levels.ts). */
    minimum_acr: z.string().optional(),
    /** false lets an old portal skip PKCE (README: a risk the operator accepts). */
    pkce_required: z.boolean().default(true),
    legacy_link: legacyLinkSchema.optional(),
    /** The portal's logo, colour, name and help desk on the pages and mails of journeys from it. */
    branding: portalBrandingSchema.optional(),
    /** An operators' tool: these admin API scopes, by client_credentials only (README "Admin API"). */
    admin_scopes: z.array(z.enum(ADMIN_SCOPES)).min(1).optional(),
    /** Where this portal hears about account events, signed with each entry's secret (config/webhooks.ts). */
    webhooks: webhooksSchema.optional(),
    /** The organisation kinds (account types) the organizations claim may name to this portal; absent: all. */
    organization_types: z.array(ACCOUNT_TYPE_ID).min(1).optional(),
  })
  // Everything else is client metadata for oidc-provider, which must recognise each name
  // (oidc/validate-clients.ts refuses the ones it would silently drop).
  .passthrough();

/** The names this schema declares: Portico's own fields and the metadata it checks itself. */
export const porticoClientFields: readonly string[] = Object.keys(clientSchema.shape);

const fileSchema = z.object({ clients: z.array(z.unknown()) }).strict();

export interface LegacyLinkSettings {
  system: string;
  displayName: string;
  claim: string;
  /** Absent: the credentials imported with `portico legacy import`. */
  verifier?: HttpVerifier;
}

export interface PorticoClientSettings {
  clientName: string;
  firstParty: boolean;
  requireSecondStep: boolean;
  /** minimum_acr: sign-ins to this portal reach at least this level. */
  minimumAcr?: Acr;
  /** Set (false) only when the clients file switches PKCE off for this portal. */
  pkceRequired?: false;
  legacyLink?: LegacyLinkSettings;
  branding?: PortalBranding;
  /** Set for an admin client: the admin API scopes it may be given. */
  adminScopes?: AdminScope[];
  /** Where events go (notify/webhooks.ts); absent when the portal takes none. */
  webhooks?: WebhookSettings[];
  /** organization_types: the organizations claim names only organisations of these kinds. */
  organizationTypes?: string[];
}

/** A secret named by an environment variable, read only where it is used (client-secrets.ts). */
export interface SecretFromEnv {
  clientId: string;
  /** `file: client "id"`, for one-line errors. */
  where: string;
  field: 'client_secret_env' | 'legacy_link.verifier.secret_env' | ReturnType<typeof webhookSecretField>;
  variable: string;
}

export interface ClientsConfig {
  /** Metadata handed to oidc-provider, Portico's own fields removed. */
  metadata: Record<string, unknown>[];
  /** Portico's per-client settings, by client_id. */
  settings: Map<string, PorticoClientSettings>;
  /** Secrets still in the environment, read by resolveClientSecrets. */
  secretsFromEnv: SecretFromEnv[];
  /** Set by resolveClientSecrets: secrets read and production's rules applied. */
  resolved?: true;
  /** Where those are read from: the environment the config was loaded from. */
  readSecret(variable: string): string | undefined;
}

function entryName(raw: unknown, index: number): string {
  const id = (raw as { client_id?: unknown } | null)?.client_id;
  return typeof id === 'string' && id ? `client "${id}"` : `clients[${index}]`;
}

/**
 * An admin client is a confidential machine client: it authenticates with a secret and gets
 * tokens by client_credentials alone, never through a person's sign-in. Its scopes come from
 * admin_scopes (oidc/provider.ts turns them into its `scope`), and no other client's `scope`
 * may name them. Returns the problem as "field: message", or undefined.
 */
function adminProblem(client: { admin_scopes?: string[]; scope?: unknown; grant_types?: unknown; token_endpoint_auth_method?: unknown; client_secret?: string }, secretFromEnv: boolean): string | undefined {
  const scopes = typeof client.scope === 'string' ? client.scope.split(' ') : [];
  if (!client.admin_scopes) {
    const named = scopes.find(isAdminScope);
    return named && `scope: "${named}" is an admin scope: give it with admin_scopes`;
  }
  if (client.scope !== undefined) return 'scope: an admin client takes its scopes from admin_scopes';
  const grants = client.grant_types;
  if (!Array.isArray(grants) || grants.length !== 1 || grants[0] !== 'client_credentials') return 'grant_types: an admin client must have exactly ["client_credentials"]';
  if (client.client_secret === undefined && !secretFromEnv) return 'admin_scopes: an admin client needs client_secret or client_secret_env';
  const method = client.token_endpoint_auth_method;
  if (method !== undefined && method !== 'client_secret_basic' && method !== 'client_secret_post') return 'token_endpoint_auth_method: an admin client authenticates with its secret (client_secret_basic or client_secret_post)';
  return undefined;
}

function legacyLinkSettings(link: z.infer<typeof legacyLinkSchema>): LegacyLinkSettings {
  const settings: LegacyLinkSettings = { system: link.system, displayName: link.display_name, claim: link.claim ?? `${link.system}_subject` };
  if (!link.verifier) return settings;
  return { ...settings, verifier: httpVerifierSettings(link.verifier) };
}

/**
 * Parses and checks the file. Secrets named by environment variables are not read here: every
 * command loads this file, and only the server and `clients check` need them.
 */
export function parseClients(file: string, text: string, env: NodeJS.ProcessEnv): ClientsConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const top = fileSchema.safeParse(json);
  if (!top.success) throw new ConfigError(`${file}: ${describeIssue(top.error.issues[0]!)}`);

  const metadata: Record<string, unknown>[] = [];
  const settings = new Map<string, PorticoClientSettings>();
  const secretsFromEnv: SecretFromEnv[] = [];
  top.data.clients.forEach((raw, index) => {
    const where = `${file}: ${entryName(raw, index)}`;
    const parsed = clientSchema.safeParse(raw);
    if (!parsed.success) throw new ConfigError(`${where}: ${describeIssue(parsed.error.issues[0]!)}`);
    const admin = adminProblem(parsed.data, parsed.data.client_secret_env !== undefined);
    if (admin) throw new ConfigError(`${where}: ${admin}`);
    const { first_party, require_second_step, minimum_acr, pkce_required, legacy_link, client_secret_env, branding, admin_scopes, webhooks, organization_types, ...oidc } = parsed.data;
    if (minimum_acr !== undefined && !isAcr(minimum_acr)) throw new ConfigError(`${where}: minimum_acr: unknown level "${minimum_acr}" (known: ${ACR_LEVELS.join(', ')})`);
    if (settings.has(oidc.client_id)) throw new ConfigError(`${where}: client_id: used by another client`);
    if (client_secret_env) {
      if (oidc.client_secret !== undefined) throw new ConfigError(`${where}: client_secret_env: give client_secret or client_secret_env, not both`);
      secretsFromEnv.push({ clientId: oidc.client_id, where, field: 'client_secret_env', variable: client_secret_env });
    }
    const verifier = legacy_link?.verifier;
    if (verifier) secretsFromEnv.push({ clientId: oidc.client_id, where, field: 'legacy_link.verifier.secret_env', variable: verifier.secret_env });
    webhooks?.forEach((hook, i) => secretsFromEnv.push({ clientId: oidc.client_id, where, field: webhookSecretField(i), variable: hook.secret_env }));
    metadata.push(oidc);
    settings.set(oidc.client_id, {
      clientName: oidc.client_name,
      firstParty: first_party,
      requireSecondStep: require_second_step,
      ...(minimum_acr ? { minimumAcr: minimum_acr } : {}),
      ...(pkce_required ? {} : { pkceRequired: false as const }),
      legacyLink: legacy_link && legacyLinkSettings(legacy_link),
      ...(branding ? { branding } : {}),
      ...(admin_scopes ? { adminScopes: [...new Set(admin_scopes)] } : {}),
      ...(webhooks?.length ? { webhooks: webhookSettings(webhooks) } : {}),
      ...(organization_types ? { organizationTypes: [...new Set(organization_types)] } : {}),
    });
  });
  return { metadata, settings, secretsFromEnv, readSecret: (variable) => env[variable] || undefined };
}

/**
 * The clients file names organisation kinds, the policy declares them: checked where both are
 * read (oidc/validate-clients.ts), one line naming file, client and field, or undefined.
 */
export function organizationTypesProblem(file: string, clients: Pick<ClientsConfig, 'settings'>, types: readonly AccountType[]): string | undefined {
  for (const [clientId, settings] of clients.settings) {
    if (!settings.organizationTypes) continue;
    const problem = undeclaredTypeProblem(types, { organization_types: settings.organizationTypes });
    if (problem) return `${file}: client "${clientId}": organization_types: ${problem.message}`;
  }
  return undefined;
}

export function loadClients(file: string, env: NodeJS.ProcessEnv): ClientsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`${file}: cannot be read (${code === 'ENOENT' ? 'no such file' : code})`);
  }
  return parseClients(file, text, env);
}
