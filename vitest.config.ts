import { configDefaults, defineConfig } from 'vitest/config';

/*
 * Files whose outcome does not depend on the store the run is given: each starts its own
 * PostgreSQL or Redis servers (a cluster, a Sentinel group, a database to kill a process
 * over) and whole Portico processes. CI runs the suite twice, once per store; with
 * PORTICO_TEST_STORE_ONLY set (CI's embedded pass) these are left out, so they run once, in
 * the PostgreSQL + Redis pass. `npm test` alone runs them.
 */
const OWN_SERVERS = [
  'test/integration/redis-cluster.test.ts',
  'test/integration/redis-sentinel.test.ts',
  'test/integration/tracing.test.ts',
  'test/integration/kill-mid-write.test.ts',
  'test/integration/webhooks-sigkill.test.ts',
  'test/integration/clients-reload-cluster.test.ts',
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(process.env.PORTICO_TEST_STORE_ONLY ? OWN_SERVERS : [])],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run two at a time; each test file starts its own servers.
    maxWorkers: 2,
    pool: 'forks',
    // One migrated embedded cluster per run, which every memory:// test server starts from.
    globalSetup: ['test/support/pglite-template.ts'],
  },
});
