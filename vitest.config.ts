import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run two at a time; each test file starts its own servers.
    maxWorkers: 2,
    pool: 'forks',
    // One migrated embedded cluster per run, which every memory:// test server starts from.
    globalSetup: ['test/support/pglite-template.ts'],
  },
});
