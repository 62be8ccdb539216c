import { register } from 'node:module';
import { loggablePath } from './web/request-log.js';

/*
 * Optional OpenTelemetry traces: spans for HTTP (in and out), PostgreSQL and Redis, exported
 * where the standard OTEL_* variables say (OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL,
 * OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, ...: the SDK reads them itself). Off unless an
 * exporter or an endpoint is named; OTEL_SDK_DISABLED=true keeps it off. The SDK is only
 * loaded when on, so a Portico without tracing pays nothing for it.
 *
 * What a span may carry is what a log line may (web/request-log.ts): paths with interaction
 * ids digested and no query strings (they carry codes, hints and tokens, RFC 6749 §4.1.2);
 * SQL text with its $n placeholders, never the values; Redis command names, never keys or
 * arguments (keys are token ids, arguments token payloads).
 */

let sdk: { shutdown(): Promise<void> } | undefined;

export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The modules whose loading is hooked (import-in-the-middle): only what is instrumented. */
const HOOKED = ['http', 'https', 'pg', 'pg-pool', 'ioredis'];

/** What a server span says of its URL: the path as the request log writes it, no query. */
export function incomingUrlAttributes(url: string | undefined): Record<string, string> {
  const raw = url ?? '';
  const query = raw.indexOf('?');
  const attributes: Record<string, string> = { 'url.path': loggablePath(query === -1 ? raw : raw.slice(0, query)) };
  if (query !== -1) attributes['url.query'] = '[redacted]';
  return attributes;
}

const quietPaths = new Set(['/healthz', '/readyz']);

/** Starts the SDK when the environment asks for it; call before the server's modules load. */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!tracingWanted(env)) return;
  // ESM imports are hooked by a loader (import-in-the-middle); CommonJS requires by the
  // instrumentations themselves. See @opentelemetry/instrumentation's README, "ESM".
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: HOOKED } });
  const [{ NodeSDK }, { HttpInstrumentation }, { PgInstrumentation }, { IORedisInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
  ]);
  const started = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? 'portico',
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => quietPaths.has((req.url ?? '').split('?')[0]!),
        // Its attributes override the instrumentation's own (url.path, url.query).
        startIncomingSpanHook: (req) => incomingUrlAttributes((req as { url?: string }).url),
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
    ],
  });
  started.start();
  sdk = started;
}

/** Sends the spans still buffered; at shutdown, before the process exits. */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown().catch(() => {});
}
