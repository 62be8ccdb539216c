import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import { registry } from './metrics.js';

/*
 * GET /metrics on METRICS_PORT, apart from the public port: the series name routes and
 * outcomes that operators need and the internet does not. Under the cluster (cluster.ts) the
 * primary listens and sums its workers' registries; a worker only answers the primary.
 */

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

function serve(port: number, host: string, metrics: () => Promise<{ body: string; type: string }>): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics().then(
      ({ body, type }) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({ url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}/metrics`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

/** This process's series; in a cluster worker, nothing listens: the primary asks the worker instead. */
export async function startMetricsServer(port: number, host: string): Promise<MetricsServer | undefined> {
  if (cluster.isWorker) {
    AggregatorRegistry.setRegistries([registry]);
    return undefined;
  }
  return serve(port, host, async () => ({ body: await registry.metrics(), type: registry.contentType }));
}

/** The cluster primary's endpoint: every worker's series, summed (gauges per worker are summed too). */
export function startClusterMetricsServer(port: number, host: string): Promise<MetricsServer> {
  const aggregator = new AggregatorRegistry();
  return serve(port, host, async () => ({ body: await (await aggregator.clusterMetrics()).toString(), type: aggregator.contentType }));
}
