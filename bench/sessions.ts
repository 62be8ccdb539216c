import { Redis } from 'ioredis';
import { RedisAdapter } from '../src/oidc/adapters/redis.js';
import { DEVICE_COOKIE, DEVICE_TOKEN } from './fixtures.js';
import { Http, Jar } from './http.js';
import { runLoadProcess } from './load-process.js';
import type { LoadResult } from './load.js';
import { signIn } from './scenarios/sign-in.js';
import { SESSION_PREFIX } from './scenarios/sso.js';

export interface SessionsSpec {
  url: string;
  redisUrl: string;
  cookieSecret: string;
  logins: string[];
  count: number;
  seconds: number;
}

/**
 * `count` signed-in sessions in Portico's Redis, each a copy of one made by a real sign-in
 * (so the payload is exactly what oidc-provider writes), then single sign-ons over them from
 * the load generator: Portico's processes must not keep anything per session.
 */
export async function seedSessions(spec: SessionsSpec): Promise<{ seeded: number; sso?: LoadResult }> {
  if (spec.count === 0) return { seeded: 0 };
  const http = new Http(spec.url, 1);
  const jar = new Jar({ [DEVICE_COOKIE]: DEVICE_TOKEN });
  await signIn(http, spec.logins[0]!, jar);
  http.close();
  const redis = new Redis(spec.redisUrl);
  try {
    const adapter = new RedisAdapter('Session', redis);
    const original = await adapter.find(jar.get('_session') ?? '');
    if (!original?.exp) throw new Error('no session after sign-in');
    const ttl = original.exp - Math.floor(Date.now() / 1000);
    for (let i = 0; i < spec.count; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, spec.count - i) }, (_, j) => {
          const id = `${SESSION_PREFIX}${i + j}`;
          return adapter.upsert(id, { ...original, jti: id, uid: id }, ttl);
        }),
      );
    }
  } finally {
    redis.disconnect();
  }
  const sso = await runLoadProcess({ scenario: 'sso', url: spec.url, connections: 32, durationMs: spec.seconds * 1000, params: { secret: spec.cookieSecret, count: spec.count } });
  return { seeded: spec.count, sso };
}
