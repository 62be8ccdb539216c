import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '../config/redis-target.js';

/** A Redis as Portico uses it: one server (possibly found through Sentinel) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** Longest wait for any one reply: Portico's commands take well under a millisecond. */
export const REDIS_COMMAND_TIMEOUT_MS = 3000;

/**
 * Commands wait in the offline queue for at most a few retries so that a dead Redis turns into
 * errors (503) instead of hung requests; a Redis that keeps the connection open but never
 * answers (hung, or a network path that drops packets) fails each command after
 * REDIS_COMMAND_TIMEOUT_MS for the same reason. Commands issued in the same tick (concurrent
 * requests) go out in one write: under load this saves a system call and a Redis read per command.
 */
const connection = {
  maxRetriesPerRequest: 2,
  connectTimeout: 5000,
  commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
} satisfies RedisOptions;

const retryStrategy = (times: number) => Math.min(times * 200, 2000);

/**
 * A primary demoted by a failover answers writes with READONLY until the connection moves:
 * reconnecting (through the Sentinels, to the new primary) without resending makes the
 * command that saw it fail (503) and the next ones reach the new primary.
 */
const reconnectOnReadOnly = (error: Error) => error.message.startsWith('READONLY');

/** One connection (or one per cluster node) per process. */
export function openRedis(target: RedisTarget | string): RedisClient {
  const where: RedisTarget = typeof target === 'string' ? { kind: 'url', url: target } : target;
  const redis = where.kind === 'cluster' ? openCluster(where) : openServer(where);
  // Connection errors surface through commands; without a listener ioredis logs them raw.
  redis.on('error', () => {});
  return redis;
}

function openServer(where: Exclude<RedisTarget, { kind: 'cluster' }>): Redis {
  const common: RedisOptions = {
    ...connection,
    lazyConnect: false,
    enableOfflineQueue: true,
    enableAutoPipelining: true,
    retryStrategy,
  };
  if (where.kind === 'url') return new Redis(where.url, common);
  return new Redis({
    ...common,
    sentinels: where.sentinels,
    name: where.name,
    password: where.password,
    sentinelPassword: where.sentinelPassword,
    sentinelCommandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    sentinelRetryStrategy: retryStrategy,
    // Told by the Sentinels of a switch, the client moves at once rather than at its next error.
    failoverDetector: true,
    reconnectOnError: reconnectOnReadOnly,
  });
}

function openCluster(where: Extract<RedisTarget, { kind: 'cluster' }>): Cluster {
  const options: ClusterOptions = {
    redisOptions: { ...connection, password: where.password },
    enableOfflineQueue: true,
    enableAutoPipelining: true,
    clusterRetryStrategy: retryStrategy,
    // While a replica takes over a failed primary's slots, commands for them are retried a few
    // times (maxRedirections bounds it, commandTimeout bounds each) and then fail: a 503.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    maxRedirections: 8,
    slotsRefreshTimeout: 2000,
  };
  const cluster = new Cluster(where.nodes, options);
  // The cluster client queues commands while it has no node for their slot, with no time
  // limit: fine while it first connects, but later, with every node gone, requests would wait
  // for the cluster to come back. From the first ready on they fail at once instead (503).
  cluster.once('ready', () => {
    cluster.options.enableOfflineQueue = false;
  });
  return cluster;
}
