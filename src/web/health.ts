import Router from '@koa/router';
import { sql } from 'kysely';
import type { Redis } from 'ioredis';
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

/** /healthz: the process answers. /readyz: its database (and Redis, if used) answer too. */
export function healthRouter(stores: { db: Db; redis?: Redis }): Router {
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
      probe('database', () => sql`select 1`.execute(stores.db)),
      stores.redis ? probe('redis', () => stores.redis!.ping()) : Promise.resolve(),
    ]);
    const ready = Object.values(checks).every((v) => v === 'ok');
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ok' : 'unavailable', checks };
  });
  return router;
}
