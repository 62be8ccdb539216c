import { Redis } from 'ioredis';

/**
 * One Redis connection per process. Commands wait in the offline queue for at most a few
 * retries so that a dead Redis turns into errors (503) instead of hung requests.
 */
export function openRedis(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Connection errors surface through commands; without a listener ioredis logs them raw.
  redis.on('error', () => {});
  return redis;
}
