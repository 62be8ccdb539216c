import Router from '@koa/router';
import { sql } from 'kysely';
import type { RedisClient } from '../storage/redis.js';
import type { Db } from '../storage/database.js';

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A key of its own: probing by writing it tells a primary from a read-only replica. */
const READYZ_KEY = 'portico:readyz';

/**
 * /healthz: the process answers. /readyz: its database (and Redis, if used) answer and take
 * writes too. A store that answers reads but refuses writes (a standby or a replica after a
 * failover) fails every sign-in, so it counts as unavailable.
 */
export function healthRouter(stores: { db: Db; redis?: RedisClient }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const checks: Record<string, 'ok' | 'unavailable'> = {};
    const probe = async (name: string, run: () => Promise<unknown>) => {
      checks[name] = await within(2000, run()).then(
        () => 'ok' as const,
        () => 'unavailable' as const,
      );
    };
    await Promise.all([
      probe('database', async () => {
        const { rows } = await sql<{ read_only: string }>`select current_setting('transaction_read_only') as read_only`.execute(stores.db);
        if (rows[0]?.read_only !== 'off') throw new Error('database is read-only');
      }),
      stores.redis ? probe('redis', () => stores.redis!.set(READYZ_KEY, '1', 'PX', 10_000)) : Promise.resolve(),
    ]);
    const ready = Object.values(checks).every((v) => v === 'ok');
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ok' : 'unavailable', checks };
  });
  return router;
}
