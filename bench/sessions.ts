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

const WARM_UP_SESSIONS = 1000;

/**
 * `count` signed-in sessions in Portico's Redis, each a copy of one made by a real sign-in
 * (so the payload is exactly what oidc-provider writes), then single sign-ons over them from
 * the load generator: Portico's processes must not keep anything per session. `beforeSeeding`
 * runs after as long a run of single sign-ons over the first thousand: by then V8 has sized
 * its heap for this load (young generation up to 64 MiB semi-spaces per worker), which would
 * otherwise count as growth when a run starts here (BENCH_ONLY: a 2 s warm-up left +23%).
 */
export async function seedSessions(spec: SessionsSpec, beforeSeeding: () => void): Promise<{ seeded: number; sso?: LoadResult }> {
  if (spec.count === 0) return { seeded: 0 };
  const redis = new Redis(spec.redisUrl);
  const sso = (count: number, seconds: number) =>
    runLoadProcess({ scenario: 'sso', url: spec.url, connections: 32, durationMs: seconds * 1000, params: { secret: spec.cookieSecret, count } });
  try {
    const adapter = new RedisAdapter('Session', redis);
    const { payload: original, ttl } = await sessionOfASignIn(spec, adapter);
    const seed = async (from: number, to: number) => {
      for (let i = from; i < to; i += 1000) {
        await Promise.all(
          Array.from({ length: Math.min(1000, to - i) }, (_, j) => {
            const id = `${SESSION_PREFIX}${i + j}`;
            return adapter.upsert(id, { ...original, jti: id, uid: id }, ttl);
          }),
        );
      }
    };
    const warmUp = Math.min(WARM_UP_SESSIONS, spec.count);
    await seed(0, warmUp);
    await sso(warmUp, spec.seconds);
    beforeSeeding();
    await seed(warmUp, spec.count);
  } finally {
    redis.disconnect();
  }
  return { seeded: spec.count, sso: await sso(spec.count, spec.seconds) };
}

/** The session a real sign-in leaves in Redis (every seeded one copies it) and its seconds to live. */
async function sessionOfASignIn(spec: SessionsSpec, sessions: RedisAdapter) {
  const http = new Http(spec.url, 1);
  const jar = new Jar({ [DEVICE_COOKIE]: DEVICE_TOKEN });
  await signIn(http, spec.logins[0]!, jar);
  http.close();
  const payload = await sessions.find(jar.get('_session') ?? '');
  if (!payload?.exp) throw new Error('no session after sign-in');
  return { payload, ttl: payload.exp - Math.floor(Date.now() / 1000) };
}
