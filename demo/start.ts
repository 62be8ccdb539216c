import { ConfigError, loadConfig, type Config } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import { startServer, type RunningServer } from '../src/server.js';
import { startDemoPortal } from './portal.js';

export interface RunningDemo {
  config: Config;
  server: RunningServer;
  portalUrl: string;
  /** Where activation codes and other mail can be read; undefined when mail really goes out (SMTP_URL) or in production. */
  outboxUrl?: string;
  stop(): Promise<void>;
}

/**
 * Portico from the environment (its embedded defaults unless told otherwise) and the sample
 * portal of the clients file's DEMO_CLIENT_ID (member-portal), listening where its redirect URI says.
 */
export async function startDemo(): Promise<RunningDemo> {
  const clientId = process.env.DEMO_CLIENT_ID ?? 'member-portal';
  const config = loadConfig();
  const client = config.clients.metadata.find((c) => c.client_id === clientId);
  const redirectUri = (client?.redirect_uris as string[] | undefined)?.[0];
  const home = (client?.post_logout_redirect_uris as string[] | undefined)?.[0];
  const secretEnv = config.clients.secretsFromEnv.find((s) => s.clientId === clientId && s.field === 'client_secret_env')?.variable;
  const clientSecret = typeof client?.client_secret === 'string' ? client.client_secret : secretEnv ? process.env[secretEnv] : undefined;
  if (!client || !redirectUri || !home || !clientSecret) {
    throw new ConfigError(`${config.clientsFile}: the demo needs a client "${clientId}" with a client_secret, a redirect_uri and a post_logout_redirect_uri (set DEMO_CLIENT_ID to use another)`);
  }
  const server = await startServer(config, createLogger(config.logLevel));
  const outboxUrl = config.smtpUrl || config.production ? undefined : `${config.issuer}/dev/outbox`;
  try {
    const portal = await startDemoPortal({ issuer: config.issuer, clientId, clientSecret, redirectUri, postLogoutRedirectUri: home, outboxUrl });
    return { config, server, portalUrl: portal.url, outboxUrl, stop: async () => void (await Promise.all([portal.stop(), server.close()])) };
  } catch (error) {
    await server.close();
    throw error;
  }
}
