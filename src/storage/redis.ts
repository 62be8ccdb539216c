import { Redis } from 'ioredis';

/** Longest wait for any one reply: Portico's commands take well under a millisecond. */
export const REDIS_COMMAND_TIMEOUT_MS = 3000;

/**
 * One Redis connection per process. Commands wait in the offline queue for at most a few
 * retries so that a dead Redis turns into errors (503) instead of hung requests; a Redis that
 * keeps the connection open but never answers (hung, or a network path that drops packets)
 * fails each command after REDIS_COMMAND_TIMEOUT_MS for the same reason. Commands issued in
 * the same tick (concurrent requests) go out in one write: under load this saves a system
 * call and a Redis read per command.
 */
export function openRedis(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Connection errors surface through commands; without a listener ioredis logs them raw.
  redis.on('error', () => {});
  return redis;
}
