import path from 'node:path';
import { withAccountClient } from './account-client.js';
import { loadClients, type ClientsConfig } from './clients.js';
import { parseEnv, type Env } from './env.js';
import { loadPolicy, type Policy } from './policy.js';
import { withBreachCheckDefault } from './policy-password-breach.js';

export { ConfigError } from './errors.js';
export { resolveClientSecrets } from './client-secrets.js';
export type { ClientsConfig, PorticoClientSettings } from './clients.js';
export type { Policy } from './policy.js';

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  port: number;
  host: string;
  issuer: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  smtpUrl?: string;
  mailFrom: string;
  serviceName: string;
  helpUrl?: string;
  cookieSecrets?: string[];
  /** KEYS_ENCRYPTION_KEY and KEYS_ENCRYPTION_KEY_PREVIOUS, as given (storage/keys-encryption.ts). */
  /** Required (in production) where a sealed value is first opened, not when env is read. */
  keysEncryption: { key?: string; previous?: string; required: boolean };
  trustProxy: boolean;
  /** How many X-Forwarded-For entries, counted from the right, our own proxies wrote. */
  trustProxyHops: number;
  logLevel: Env['LOG_LEVEL'];
  autoMigrate: boolean;
  keysRefreshSeconds: number;
  /** How long a process may keep an account for token requests; 0 = never (identity/account-cache.ts). */
  accountCacheSeconds: number;
  clientsFile: string;
  policyFile: string;
  clients: ClientsConfig;
  policy: Policy;
}

/** Reads the environment and the files it names into one validated Config; throws ConfigError. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = parseEnv(source);
  const issuer = (env.ISSUER ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
  return {
    env: env.NODE_ENV,
    production: env.NODE_ENV === 'production',
    port: env.PORT,
    host: env.HOST,
    issuer,
    // memory:// keeps PGlite in memory (tests); anything else is a directory.
    dataDir: env.DATA_DIR.startsWith('memory://') ? env.DATA_DIR : path.resolve(env.DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    serviceName: env.SERVICE_NAME,
    helpUrl: env.HELP_URL,
    cookieSecrets: env.COOKIE_SECRETS,
    keysEncryption: { key: env.KEYS_ENCRYPTION_KEY, previous: env.KEYS_ENCRYPTION_KEY_PREVIOUS, required: env.NODE_ENV === 'production' },
    trustProxy: env.TRUST_PROXY,
    trustProxyHops: env.TRUST_PROXY_HOPS,
    logLevel: env.LOG_LEVEL,
    autoMigrate: env.AUTO_MIGRATE,
    keysRefreshSeconds: env.KEYS_REFRESH_SECONDS,
    accountCacheSeconds: env.ACCOUNT_CACHE_SECONDS,
    clientsFile: env.CLIENTS_FILE,
    policyFile: env.POLICY_FILE,
    clients: withAccountClient(loadClients(env.CLIENTS_FILE, source), issuer, env.CLIENTS_FILE),
    policy: withBreachCheckDefault(loadPolicy(env.POLICY_FILE), env.NODE_ENV === 'production'),
  };
}
