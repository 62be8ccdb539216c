import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { withAccountClient } from './account-client.js';
import { loadClients, type ClientsConfig } from './clients.js';
import { ConfigError } from './errors.js';
import { parseEnv, type Env } from './env.js';
import { loadPolicy, type Policy } from './policy.js';
import { unknownPortalProblem } from './policy-identity-check.js';
import { withBreachCheckDefault } from './policy-password-breach.js';
import { redisTarget, type RedisTarget } from './redis-target.js';

export { ConfigError } from './errors.js';
export { resolveClientSecrets, resolvePolicySecrets } from './client-secrets.js';
export type { ClientsConfig, PorticoClientSettings } from './clients.js';
export type { Policy } from './policy.js';

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  port: number;
  host: string;
  issuer: string;
  dataDir: string;
  /** PGLITE_TEMPLATE, resolved and found readable: what a memory:// database starts from. */
  pgliteTemplate?: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** Where Redis is (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS); unset: no Redis. */
  redis?: RedisTarget;
  smtpUrl?: string;
  mailFrom: string;
  cookieSecrets?: string[];
  /** KEYS_ENCRYPTION_KEY and KEYS_ENCRYPTION_KEY_PREVIOUS, as given (storage/keys-encryption.ts). */
  /** Required (in production) where a sealed value is first opened, not when env is read. */
  keysEncryption: { key?: string; previous?: string; required: boolean };
  trustProxy: boolean;
  /** How many X-Forwarded-For entries, counted from the right, our own proxies wrote. */
  trustProxyHops: number;
  logLevel: Env['LOG_LEVEL'];
  /** METRICS_PORT: GET /metrics listens there, on `host`; undefined: no metrics endpoint. */
  metricsPort?: number;
  autoMigrate: boolean;
  keysRefreshSeconds: number;
  /** How long a process may keep an account for token requests; 0 = never (identity/account-cache.ts). */
  accountCacheSeconds: number;
  /** Twilio's REST API for texts and calls (notify/phone-gateway.ts); undefined: the dev outbox. */
  twilio?: TwilioConfig;
  clientsFile: string;
  policyFile: string;
  /** BRANDING_DIR, resolved: where logos are read from. */
  brandingDir: string;
  clients: ClientsConfig;
  policy: Policy;
}

export interface TwilioConfig {
  accountSid: string;
  /** A secret: never logged. */
  authToken: string;
  fromNumber: string;
  apiBase: string;
  timeoutMs: number;
}

/**
 * Why this configuration cannot serve the phone second step, or undefined. In production the
 * dev outbox has no page: a code kept there would reach nobody. Checked when the server
 * starts, not for every CLI command: the help desk's shell need not hold Twilio's token.
 */
export function phoneGatewayProblem(config: Pick<Config, 'production' | 'twilio' | 'policy' | 'policyFile'>): string | undefined {
  if (!config.production || config.twilio || !config.policy.second_step.methods.includes('phone')) return undefined;
  return `${config.policyFile}: second_step.methods lists "phone": set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER`;
}

/** The clients file with Portico's built-in account client added: at start-up and at each reload (oidc/clients-reload.ts). */
export function readClientsFile(file: string, issuer: string, source: NodeJS.ProcessEnv): ClientsConfig {
  return withAccountClient(loadClients(file, source), issuer, file);
}

/** The template's path, once it is known to be a readable file: else one line naming the variable. */
function readableTemplate(file: string): string {
  const resolved = path.resolve(file);
  try {
    accessSync(resolved, constants.R_OK);
    if (!statSync(resolved).isFile()) throw new Error('not a file');
  } catch (error) {
    throw new ConfigError(`environment: PGLITE_TEMPLATE: cannot read ${resolved}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return resolved;
}

/** Reads the environment and the files it names into one validated Config; throws ConfigError. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = parseEnv(source);
  const issuer = (env.ISSUER ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
  const clients = readClientsFile(env.CLIENTS_FILE, issuer, source);
  const policy = loadPolicy(env.POLICY_FILE);
  const portalProblem = unknownPortalProblem(policy.account_types, new Set(clients.settings.keys()));
  if (portalProblem) throw new ConfigError(`${env.POLICY_FILE}: ${portalProblem}`);
  return {
    env: env.NODE_ENV,
    production: env.NODE_ENV === 'production',
    port: env.PORT,
    host: env.HOST,
    issuer,
    // memory:// keeps PGlite in memory (tests); anything else is a directory.
    dataDir: env.DATA_DIR.startsWith('memory://') ? env.DATA_DIR : path.resolve(env.DATA_DIR),
    pgliteTemplate: env.PGLITE_TEMPLATE === undefined ? undefined : readableTemplate(env.PGLITE_TEMPLATE),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redis: redisTarget(env),
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    cookieSecrets: env.COOKIE_SECRETS,
    keysEncryption: { key: env.KEYS_ENCRYPTION_KEY, previous: env.KEYS_ENCRYPTION_KEY_PREVIOUS, required: env.NODE_ENV === 'production' },
    trustProxy: env.TRUST_PROXY,
    trustProxyHops: env.TRUST_PROXY_HOPS,
    logLevel: env.LOG_LEVEL,
    metricsPort: env.METRICS_PORT,
    autoMigrate: env.AUTO_MIGRATE,
    keysRefreshSeconds: env.KEYS_REFRESH_SECONDS,
    accountCacheSeconds: env.ACCOUNT_CACHE_SECONDS,
    twilio:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM_NUMBER
        ? { accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, fromNumber: env.TWILIO_FROM_NUMBER, apiBase: env.TWILIO_API_BASE.replace(/\/$/, ''), timeoutMs: env.TWILIO_TIMEOUT_MS }
        : undefined,
    clientsFile: env.CLIENTS_FILE,
    policyFile: env.POLICY_FILE,
    brandingDir: path.resolve(env.BRANDING_DIR),
    clients,
    policy: withBreachCheckDefault(policy, env.NODE_ENV === 'production'),
  };
}
