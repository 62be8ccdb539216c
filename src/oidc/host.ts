import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Logger } from '../log.js';
import { isDependencyError, OUTAGE } from '../storage/dependency-errors.js';
import { ensureSigningKeys, loadSigningJwks } from './keys.js';
import { postedParametersAsQuery } from './post-methods.js';
import { createProvider, OUTAGE_JSON, type ProviderDeps } from './provider.js';
import { findClientToken, type ClientToken } from './admin-tokens.js';

type Handler = (req: Context['req'], res: Context['res']) => Promise<void> | void;

/**
 * Holds the live oidc-provider instance. oidc-provider takes its keys at construction, so
 * when an operator rotates keys (in the database) the host builds a new instance and swaps it
 * in; all protocol state lives in the adapter, so requests in flight on the old one finish.
 */
export class ProviderHost {
  #provider!: Provider;
  #handler!: Handler;
  #fingerprint = '';
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly deps: ProviderDeps,
    private readonly log: Logger,
  ) {}

  static async start(deps: ProviderDeps, log: Logger): Promise<ProviderHost> {
    await ensureSigningKeys(deps.db);
    const host = new ProviderHost(deps, log);
    await host.refresh();
    return host;
  }

  get provider(): Provider {
    return this.#provider;
  }

  /** A live client_credentials access token by its value (admin-tokens.ts). */
  clientToken(value: string): Promise<ClientToken | undefined> {
    return findClientToken(this.#provider, value);
  }

  /** Hands the request to oidc-provider's own Koa app. */
  async handle(ctx: Context): Promise<void> {
    await postedParametersAsQuery(ctx);
    ctx.respond = false;
    return this.#handler(ctx.req, ctx.res);
  }

  /** Rebuilds the provider when the signing keys changed; true if it did. */
  async refresh(): Promise<boolean> {
    const { keys, fingerprint } = await loadSigningJwks(this.deps.db);
    if (fingerprint === this.#fingerprint) return false;
    this.#install(keys);
    if (this.#fingerprint) this.log.info({ kids: keys.map((k: { kid?: string }) => k.kid) }, 'signing keys reloaded');
    this.#fingerprint = fingerprint;
    return true;
  }

  /**
   * Rebuilds the provider over the clients now in deps.config (oidc/clients-reload.ts): its
   * static clients are read at construction only, as its keys are.
   */
  async rebuild(): Promise<void> {
    const { keys, fingerprint } = await loadSigningJwks(this.deps.db);
    this.#install(keys);
    this.#fingerprint = fingerprint;
  }

  #install(keys: object[]): void {
    const provider = createProvider(this.deps, { keys });
    provider.on('server_error', (ctx: Context, error: Error) => this.#onServerError(ctx, error));
    // RP-initiated logout's deliveries; the token is never logged, only the portal and the reason.
    provider.on('backchannel.error', (_ctx: Context, error: Error, client: { clientId: string }) => {
      this.log.warn({ client: client.clientId, reason: error.name === 'TimeoutError' ? 'timed out' : error.message }, 'back-channel logout not delivered');
    });
    this.#provider = provider;
    this.#handler = provider.callback() as Handler;
  }

  /**
   * oidc-provider answers any thrown error with 500 server_error. A store outage is not a bug:
   * its endpoints answer 503 with Retry-After instead, so portals, browsers and load balancers
   * retry. It emits `server_error` synchronously after setting the body, JSON or the page
   * renderError made (its lib/shared/error_handler.js), so the answer can still be changed here.
   */
  #onServerError(ctx: Context, error: Error): void {
    if (!isDependencyError(error)) {
      this.log.error({ err: error }, 'oidc server error');
      return;
    }
    this.log.warn({ err: error }, 'dependency unavailable');
    ctx.status = 503;
    ctx.set('Retry-After', String(OUTAGE.retryAfterSeconds));
    if (ctx.body && typeof ctx.body === 'object') ctx.body = OUTAGE_JSON;
  }

  /** Polls the key set so every process picks up `portico keys rotate` without a restart. */
  watchKeys(intervalSeconds: number): void {
    this.#timer = setInterval(() => {
      this.refresh().catch((error: unknown) => this.log.warn({ err: error }, 'signing key refresh failed'));
    }, intervalSeconds * 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
