import { z } from 'zod';
import { ConfigError, describeIssue } from './errors.js';
import { parseKey } from './keys-encryption-key.js';
import { redisTarget } from './redis-target.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(' or ')})` },
  );

/** The environment variables of docs/architecture.md, with their defaults. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  ISSUER: url(['http:', 'https:']).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /** A PGlite data-directory dump (dumpDataDir) that DATA_DIR=memory:// starts from instead of an empty cluster. */
  PGLITE_TEMPLATE: z.string().min(1).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  /** Seed nodes of a Redis Cluster, host:port,host:port (instead of REDIS_URL). */
  REDIS_CLUSTER_NODES: z.string().optional(),
  /** Sentinels watching the primary named REDIS_SENTINEL_NAME, host:port,host:port (instead of REDIS_URL). */
  REDIS_SENTINELS: z.string().optional(),
  REDIS_SENTINEL_NAME: z.string().regex(/^[A-Za-z0-9._-]+$/, { message: 'must be a Sentinel master name (letters, digits, . _ -)' }).optional(),
  /** Secrets: never logged. The data nodes' password (cluster or Sentinel), and the Sentinels' own. */
  REDIS_PASSWORD: z.string().optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('Portico <no-reply@localhost>'),
  CLIENTS_FILE: z.string().min(1).default('config/clients.json'),
  POLICY_FILE: z.string().min(1).default('config/policy.json'),
  /** Logos named by the policy's and the clients' branding (served at /branding/logo/<file>). */
  BRANDING_DIR: z.string().min(1).default('config/branding'),
  COOKIE_SECRETS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined))
    .refine((v) => !v || v.every((s) => s.length >= 32), { message: 'each secret must be at least 32 characters' }),
  TRUST_PROXY: bool.default(false),
  /** Seals secrets at rest (signing keys, the code HMAC key, cookie secret, token payloads): 32 bytes, base64 or hex. */
  KEYS_ENCRYPTION_KEY: z.string().optional(),
  /** The key before a rotation (`portico keys rotate-encryption`): still opens what it sealed. */
  KEYS_ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
  /** Proxies in front of Portico that append to X-Forwarded-For (nginx, a load balancer): one each. */
  TRUST_PROXY_HOPS: z.coerce.number({ message: 'must be a whole number from 1 to 10' }).int({ message: 'must be a whole number from 1 to 10' }).min(1, { message: 'must be a whole number from 1 to 10' }).max(10, { message: 'must be a whole number from 1 to 10' }).default(1),
  /** Where GET /metrics (Prometheus) listens; unset: nowhere. */
  METRICS_PORT: z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AUTO_MIGRATE: bool.default(true),
  KEYS_REFRESH_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  ACCOUNT_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  /** Twilio, for the phone second step; without all three, texts and calls stay in the dev outbox. */
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, { message: 'must be AC followed by 32 hexadecimal characters' }).optional(),
  /** A secret: never logged. */
  TWILIO_AUTH_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  TWILIO_FROM_NUMBER: z.string().regex(/^\+[1-9]\d{6,14}$/, { message: 'must be a number in E.164 form, e.g. +12025550123' }).optional(),
  TWILIO_API_BASE: url(['https:', 'http:']).default('https://api.twilio.com'),
  TWILIO_TIMEOUT_MS: z.coerce.number({ message: 'must be a number of milliseconds' }).int().min(100).max(60_000).default(10_000),
});

export type Env = z.infer<typeof envSchema>;

export function parseEnv(source: NodeJS.ProcessEnv): Env {
  // Empty strings are how shells and compose files spell "unset".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`environment: ${describeIssue(issue)}`);
  }
  const env = result.data;
  if (env.NODE_ENV === 'production' && !env.COOKIE_SECRETS) {
    throw new ConfigError('environment: COOKIE_SECRETS: required when NODE_ENV=production');
  }
  const twilio = [env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN, env.TWILIO_FROM_NUMBER].filter(Boolean).length;
  if (twilio > 0 && twilio < 3) throw new ConfigError('environment: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER: set all three or none');
  redisTarget(env);
  for (const name of ['KEYS_ENCRYPTION_KEY', 'KEYS_ENCRYPTION_KEY_PREVIOUS'] as const) {
    if (env[name]) parseKey(env[name], `environment: ${name}`);
  }
  return env;
}
