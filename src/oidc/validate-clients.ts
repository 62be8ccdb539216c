import type Provider from 'oidc-provider';
import { ConfigError, type Config } from '../config/index.js';

/**
 * oidc-provider checks standard client metadata (RFC 7591 §2) itself, but only when a client
 * is first used: check every client at start-up so a bad entry stops Portico with one line.
 */
export async function validateClients(provider: Provider, config: Config): Promise<void> {
  for (const metadata of config.clients.metadata) {
    try {
      await provider.Client.validate(metadata as never);
    } catch (error) {
      const e = error as { error_description?: string; message: string };
      throw new ConfigError(`${config.clientsFile}: client "${String(metadata.client_id)}": ${e.error_description ?? e.message}`);
    }
  }
}
