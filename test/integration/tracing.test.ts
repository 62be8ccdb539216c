import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPorticoProcess, type PorticoProcess } from '../support/portico-process.js';
import { startPostgres, startRedis, type RunningService } from '../support/servers.js';
import { waitUntil } from '../support/wait.js';

/*
 * With the standard OTEL_* variables set, `npm start` sends spans for its HTTP requests and
 * their PostgreSQL and Redis calls to an OTLP collector (here a local one that keeps what it
 * is sent), every log line written in a request names that request's trace, and nothing a log
 * line may not carry (a query string's token, a Redis key) reaches a span.
 */

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

const service = { client_id: 'svc', client_name: 'Service', client_secret: 'svc-secret-0123456789abcdef', redirect_uris: [], response_types: [], grant_types: ['client_credentials'] };
const SECRET = 'SeCrEtInvitationToken0123456789';

let postgres: RunningService;
let redis: RunningService;
let collector: Server;
let collectorUrl: string;
let portico: PorticoProcess;
let work: string;
const bodies: string[] = [];

const spans = (): Span[] =>
  bodies.flatMap((body) => (JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }> }).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
const attribute = (span: Span, key: string) => Object.values(span.attributes.find((a) => a.key === key)?.value ?? {})[0];

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as { port: number }).port}`;
  work = mkdtempSync(path.join(tmpdir(), 'portico-tracing-'));
  writeFileSync(path.join(work, 'clients.json'), JSON.stringify({ clients: [service] }));
  portico = await startPorticoProcess({
    CLIENTS_FILE: path.join(work, 'clients.json'),
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  });
});

afterAll(async () => {
  await portico?.stop('SIGKILL');
  await new Promise((resolve) => collector?.close(resolve));
  await Promise.all([postgres?.stop(), redis?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('traces (OpenTelemetry, switched on by OTEL_* variables)', () => {
  it('sends a span per request with its PostgreSQL and Redis calls under it, and logs the trace id', async () => {
    const token = await fetch(`${portico.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${service.client_id}:${service.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const invitation = await fetch(`${portico.url}/invitation?token=${SECRET}`);
    expect(invitation.status).toBeLessThan(500);

    const serverSpan = (pathname: string) => spans().find((s) => s.kind === 2 && attribute(s, 'url.path') === pathname);
    await waitUntil('both requests to be traced', async () => Boolean(serverSpan('/token') && serverSpan('/invitation')));
    const tokenSpan = serverSpan('/token')!;
    const invitationSpan = serverSpan('/invitation')!;
    const inTrace = (trace: string) => spans().filter((s) => s.traceId === trace);
    await waitUntil('the calls under them', async () =>
      inTrace(tokenSpan.traceId).some((s) => s.name.toLowerCase().includes('evalsha') || String(attribute(s, 'db.system.name') ?? attribute(s, 'db.system')).includes('redis')) &&
      inTrace(invitationSpan.traceId).some((s) => String(attribute(s, 'db.system.name') ?? attribute(s, 'db.system')).includes('postgresql')));

    // The query string is not in the span, nor anywhere else sent; nor is the access token (a Redis key).
    expect(attribute(invitationSpan, 'url.query')).toBe('[redacted]');
    const sent = bodies.join('\n');
    expect(sent).not.toContain(SECRET);
    expect(sent).not.toContain(accessToken);
    expect(sent).not.toContain(service.client_secret);

    const lines = portico.output().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { path?: string; msg?: string; trace_id?: string });
    const tokenLine = lines.find((line) => line.msg === 'request' && line.path === '/token');
    expect(tokenLine?.trace_id).toBe(tokenSpan.traceId);
  });
});
