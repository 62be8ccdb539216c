import { outboxPending, webhookOutboxOldestSeconds, webhookOutboxPending } from './metrics/metrics.js';
import { startMetricsServer } from './metrics/server.js';
import { loadLogos } from './config/branding-files.js';
import { createBrands, type Brands } from './web/brand.js';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { ConfigError, phoneGatewayProblem, type Config } from './config/index.js';
import { ACCOUNT_CLIENT_ID } from './config/account-client.js';
import { purgeExpiredVerification } from './identity/expired-records.js';
import { reportBreachCheckTo } from './identity/breached-passwords.js';
import { PasswordHasher } from './identity/passwords.js';
import { startMailSender, type MailSender } from './notify/sender.js';
import { createTransport } from './notify/transport.js';
import { startWebhookSender, webhookTargets } from './notify/webhooks.js';
import { eventBacklog } from './notify/webhook-queue.js';
import type { Poller } from './notify/poller.js';
import { createPhoneGateway } from './notify/phone-gateway.js';
import type { Logger } from './log.js';
import { createAdapterFactory } from './oidc/adapters/index.js';
import { accountSessions } from './oidc/account-sessions.js';
import type { PortalSessions } from './identity/portal-sessions.js';
import { purgeExpiredModels, sealModelPayloads } from './oidc/adapters/sql.js';
import { ProviderHost } from './oidc/host.js';
import { checkClients } from './oidc/validate-clients.js';
import { applyClients, readClients } from './oidc/clients-reload.js';
import type { ClientsControl } from './admin/route.js';
import { createPageRenderer } from './oidc/pages.js';
import { openDatabase, type DatabaseHandle } from './storage/database.js';
import { KEY_REQUIRED } from './storage/keys-encryption.js';
import { startAccountCache } from './identity/account-cache.js';
import { createIdentity } from './identity/services/index.js';
import { CODE_HMAC_KEY_SETTING, codeHmacKey } from './identity/keyed-hash.js';
import { getOrCreateSecretSetting, sealSecretSettings } from './storage/instance-settings.js';
import { migrateToLatest } from './storage/migrator.js';
import { openRedis, type RedisClient } from './storage/redis.js';
import { bindMethods, createMethodRegistry, type SecondStepMethod } from './methods/index.js';
import { createFlowRouter } from './flows/router.js';
import type { FlowDeps } from './flows/deps.js';
import { createApp } from './web/app.js';
import { adminApi } from './admin/router.js';
import { Csrf } from './web/csrf.js';
import { rateLimitNamespace, RateLimits } from './web/rate-limits.js';
import { createRenderer } from './web/render.js';

/**
 * How long a SIGTERM'd process may drain before it exits anyway: an orchestrator's grace period
 * (deploy/kubernetes) must cover it, plus the time the load balancer takes to stop sending.
 */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface RunningServer {
  app: Koa;
  http: Server;
  url: string;
  database: DatabaseHandle;
  redis?: RedisClient;
  host: ProviderHost;
  /** The protocol store's sessions per account, for commands run inside this server. */
  portals: PortalSessions;
  mailer: MailSender;
  /** Delivers the portals' webhook events (drain() in tests). */
  webhooks: Poller;
  /** GET /metrics, when METRICS_PORT is set (and this is not a cluster worker). */
  metricsUrl?: string;
  /** Re-reads the clients file (SIGHUP, POST /admin/api/v1/clients/reload); refused in one line, logged. */
  reloadClients: ClientsControl['reload'];
  close(): Promise<void>;
}

export interface ServerOptions {
  /** The second-step methods, when not methods/index.ts's list. */
  methods?: readonly SecondStepMethod[];
  /** Told after the API reloaded the clients file, so other processes (cluster.ts) reload too. */
  onApiReload?: () => void;
}

/**
 * The clients file reloaded without a restart (oidc/clients-reload.ts), with what the server
 * built from it at start-up: the portals' brands and logos. One reload at a time.
 */
function clientsReloader(config: Config, host: ProviderHost, log: Logger, branding: { brands: Brands; logos: ReturnType<typeof loadLogos> }) {
  let queue: Promise<unknown> = Promise.resolve();
  const reload = async (): Promise<Awaited<ReturnType<ClientsControl['reload']>>> => {
    let checked: Config;
    let logos: ReturnType<typeof loadLogos>;
    try {
      checked = await readClients(config);
      logos = loadLogos(checked);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      log.error(`clients file not reloaded, the clients in force stay: ${error.message}`);
      return { ok: false, message: error.message };
    }
    await applyClients(config, checked, host);
    branding.brands = createBrands(config);
    branding.logos.clear();
    for (const [name, logo] of logos) branding.logos.set(name, logo);
    const clients = config.clients.metadata.filter((c) => c.client_id !== ACCOUNT_CLIENT_ID).length;
    log.info({ file: config.clientsFile, clients }, 'clients file reloaded');
    return { ok: true, clients };
  };
  return () => {
    const next = queue.then(reload, reload);
    queue = next.catch(() => {});
    return next;
  };
}

const COOKIE_SECRET_SETTING = 'cookie_secret';

/**
 * Outside production a missing COOKIE_SECRETS falls back to one generated per installation
 * and kept (sealed) in the database, so sessions survive restarts and are shared by all processes.
 */
async function cookieSecrets(config: Config, database: DatabaseHandle): Promise<string[]> {
  if (config.cookieSecrets) return config.cookieSecrets;
  return [await getOrCreateSecretSetting(database.db, COOKIE_SECRET_SETTING, () => randomBytes(32).toString('base64url'))];
}

/**
 * Secrets written before they were sealed, or sealed with the key before a rotation, are
 * sealed with the current key at every start-up: a migration cannot know the key. Idempotent.
 */
async function sealSecretsAtRest(database: DatabaseHandle): Promise<void> {
  await sealSecretSettings(database.db, [CODE_HMAC_KEY_SETTING, COOKIE_SECRET_SETTING]);
  await codeHmacKey(database.db);
  await sealModelPayloads(database.db);
}

/**
 * Starts Portico: stores, migrations, provider, app, HTTP listener. `methods`: the second-step
 * methods (methods/index.ts's list unless given).
 */
export async function startServer(loaded: Config, log: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  reportBreachCheckTo(log);
  // The clients file's secrets and oidc-provider's checks, before anything is opened.
  const config = await checkClients(loaded);
  const methods = createMethodRegistry(options.methods);
  const methodsProblem = methods.policyProblem(config.policy.second_step);
  if (methodsProblem) throw new ConfigError(`${config.policyFile}: ${methodsProblem}`);
  const phoneProblem = phoneGatewayProblem(config);
  if (phoneProblem) throw new ConfigError(phoneProblem);
  if (config.keysEncryption.required && !config.keysEncryption.key) throw new ConfigError(KEY_REQUIRED);
  // Logos are read and checked before anything is opened: a bad one stops start-up in one line.
  const logos = loadLogos(config);
  // Through `branding`, which a reload of the clients file replaces.
  const branding = { brands: createBrands(config), logos };
  const brands: Brands = { of: (clientId) => branding.brands.of(clientId), byKey: (key) => branding.brands.byKey(key) };
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, template: config.pgliteTemplate, holder: 'portico server', keysEncryption: config.keysEncryption });
  const cleanup: Array<() => Promise<unknown> | unknown> = [() => database.close()];
  try {
    if (config.autoMigrate) await migrateToLatest(database.db);
    if (!config.keysEncryption.key) {
      const where = config.databaseUrl || config.dataDir.startsWith('memory://') ? 'in the database itself, which protects nothing' : `in ${config.dataDir}`;
      log.warn(`KEYS_ENCRYPTION_KEY is not set: secrets at rest are sealed with a development key kept ${where}`);
    }
    await sealSecretsAtRest(database);
    const mailer = startMailSender({ db: database.db, transport: createTransport(config, log), log });
    cleanup.unshift(() => mailer.stop());
    // Reads the clients in force at each delivery: a reload of the clients file applies at once.
    const webhooks = startWebhookSender({ db: database.db, log, issuer: config.issuer, targets: () => webhookTargets(config.clients), policy: config.policy.webhooks });
    cleanup.unshift(() => webhooks.stop());
    const redis = config.redis ? openRedis(config.redis) : undefined;
    if (redis) cleanup.unshift(() => redis.quit().catch(() => redis.disconnect()));
    const secrets = await cookieSecrets(config, database);
    const accounts = await startAccountCache(database, config.accountCacheSeconds);
    cleanup.unshift(() => accounts.stop());
    const renderer = createRenderer({
      production: config.production,
      questions: new Map(config.policy.registration.security_questions.questions.map((q) => [q.id, q.translations ?? {}])),
    });
    const adapter = createAdapterFactory({ db: database.db, redis });
    const host = await ProviderHost.start(
      {
        config,
        db: database.db,
        accounts: accounts.cache,
        adapter,
        cookieKeys: secrets,
        pages: createPageRenderer(renderer, log),
      },
      log,
    );
    host.watchKeys(config.keysRefreshSeconds);
    cleanup.unshift(() => host.stop());
    // Housekeeping: every process may run it, the deletes are idempotent. Redis expires its own keys.
    const purge = setInterval(() => {
      if (!redis) purgeExpiredModels(database.db).catch(() => {});
      purgeExpiredVerification(database.db, new Date(), config.policy.pending_ids.unverified_ttl_days).catch(() => {});
    }, 60_000);
    purge.unref();
    cleanup.unshift(() => clearInterval(purge));
    const hasher = new PasswordHasher(config.policy.argon2);
    const phone = createPhoneGateway(config, log);
    const portals = accountSessions(() => host.provider, adapter, log);
    const flowDeps: FlowDeps = {
      config,
      identity: createIdentity({ db: database.db, hasher, policy: config.policy, issuer: config.issuer, phone, portals }),
      host,
      renderer,
      csrf: new Csrf(secrets[0]!),
      hasher,
      methods: bindMethods(methods, { db: database.db, hasher, config, phone }),
      limits: new RateLimits(config.policy.rate_limits, { db: database.db, redis, namespace: rateLimitNamespace(config.issuer) }),
    };
    // Mail waiting to go out, read at each scrape: an outbox backing up means SMTP is failing.
    outboxPending.readFrom(async () => Number((await database.db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirst())?.n ?? 0));
    // Events waiting for portals: a backlog, or an old one, means a portal's endpoint is failing.
    webhookOutboxPending.readFrom(async () => (await eventBacklog(database.db)).pending);
    webhookOutboxOldestSeconds.readFrom(async () => (await eventBacklog(database.db)).oldestSeconds);
    const metrics = config.metricsPort === undefined ? undefined : await startMetricsServer(config.metricsPort, config.host);
    if (metrics) cleanup.unshift(() => metrics.close());
    const reloadClients = clientsReloader(config, host, log, branding);
    const clients: ClientsControl = {
      current: () => config.clients,
      reload: async () => {
        const outcome = await reloadClients();
        if (outcome.ok) options.onApiReload?.();
        return outcome;
      },
    };
    const admin = adminApi({ config, admin: flowDeps.identity.admin, organizations: flowDeps.identity.organizations, webhooks: flowDeps.identity.webhooks, clients, findToken: (value) => host.clientToken(value) });
    const app = createApp({ ...flowDeps, db: database.db, redis, log, brands, logos, pages: createFlowRouter(flowDeps), adminApi: admin });
    const http = app.listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      http.once('listening', resolve);
      http.once('error', reject);
    });
    // Keep-alive sockets must not hold shutdown open longer than in-flight requests need.
    http.keepAliveTimeout = 5000;
    const { port } = http.address() as AddressInfo;
    const close = async () => {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeIdleConnections();
      });
      for (const step of cleanup) await step();
    };
    return { app, http, url: `http://127.0.0.1:${port}`, database, redis, host, portals, mailer, webhooks, metricsUrl: metrics?.url, reloadClients, close };
  } catch (error) {
    for (const step of cleanup) await Promise.resolve(step()).catch(() => {});
    throw error;
  }
}
