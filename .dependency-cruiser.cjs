/*
 * Portico's layers (docs/architecture.md, "Layout"), checked by `npm test`:
 *   web, flows -> methods -> identity -> storage; config is a leaf anyone may read;
 *   only oidc/ imports oidc-provider; server.ts, main.ts, cli.ts and cluster.ts compose.
 * Departures that still exist are listed in .dependency-cruiser-known-violations.json
 * (`npx depcruise-baseline src --config .dependency-cruiser.cjs` rewrites it) and are
 * ignored with --ignore-known; anything new fails the build.
 * Rule and option reference: dependency-cruiser's doc/rules-reference.md.
 */
const npm = (name) => `^node_modules/(@types/)?${name}/`;

module.exports = {
  forbidden: [
    {
      name: 'only-oidc-imports-oidc-provider',
      comment: 'oidc-provider is a protocol engine with its own model and errors: one folder adapts it, so an upgrade (its CHANGELOG breaks APIs per major) touches only src/oidc/.',
      severity: 'error',
      from: { pathNot: '^src/oidc/' },
      to: { path: npm('oidc-provider') },
    },
    {
      name: 'domain-free-of-koa',
      comment: 'identity/ and methods/ are the rules of accounts and second steps; they must run from the CLI, tests and any transport, so they never see a Koa context.',
      severity: 'error',
      from: { path: '^src/(identity|methods)/' },
      to: { path: ['^node_modules/koa/', '^node_modules/@koa/', '^node_modules/@types/koa(__router)?/'] },
    },
    {
      name: 'web-knows-nothing-of-flows',
      comment: 'web/ is middleware every page shares; server.ts mounts the flows router, so web/ cannot come to depend on a journey.',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/flows/' },
    },
    {
      name: 'oidc-does-not-reach-up',
      comment: 'oidc/ sits under the pages: it may use identity/ and storage/, but pages and middleware use it, never the reverse (shared pieces live in storage/ or top-level modules).',
      severity: 'error',
      from: { path: '^src/oidc/' },
      to: { path: '^src/(web|flows|methods|cli)/' },
    },
    {
      name: 'methods-under-flows',
      comment: 'A second-step method is a module over identity/ (methods/types.ts); pages call methods, methods never call pages, middleware or the provider.',
      severity: 'error',
      from: { path: '^src/methods/' },
      to: { path: '^src/(flows|web|oidc|cli)/' },
    },
    {
      name: 'identity-under-methods',
      comment: 'The domain knows no method, page, middleware or provider: each of those is a client of it.',
      severity: 'error',
      from: { path: '^src/identity/' },
      to: { path: '^src/(methods|flows|web|oidc|cli)/' },
    },
    {
      name: 'storage-is-the-bottom',
      comment: 'storage/ is the database, Redis and their errors; everything stands on it, so it stands on nothing of ours but config.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/(identity|methods|flows|web|oidc|notify|cli)/' },
    },
    {
      name: 'notify-under-identity',
      comment: 'The mail outbox is written in the same transaction as the change that causes it (identity/ calls it), so it cannot call back up.',
      severity: 'error',
      from: { path: '^src/notify/' },
      to: { path: '^src/(identity|methods|flows|web|oidc|cli)/' },
    },
    {
      name: 'config-is-a-leaf',
      comment: 'Every layer reads the typed Config; config importing any of them would make start-up validation depend on the code it configures.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/config/' },
    },
    {
      name: 'flows-run-no-sql',
      comment: 'Pages are thin routes over identity/ and methods/: a query in a page is a rule the CLI and the other pages cannot share. Known violation: flows/deps.ts hands every page the database handle.',
      severity: 'error',
      from: { path: '^src/flows/' },
      to: { path: ['^src/storage/', npm('kysely')] },
    },
    {
      name: 'admin-api-runs-no-sql',
      comment: 'The admin API is routes over identity/ (identity/services/admin.ts), like the pages: the help desk\'s rules live once, for the CLI and the API. Only the outage test of storage/ is its business.',
      severity: 'error',
      from: { path: '^src/admin/' },
      to: { path: ['^src/storage/(?!dependency-errors\\.ts$)', npm('kysely')] },
    },
    {
      name: 'only-roots-compose',
      comment: 'server.ts builds the application and main.ts (through serve.ts), cli.ts and cluster.ts start it; a layer importing them would depend on the whole application.',
      severity: 'error',
      from: { pathNot: '^src/(server|main|serve|cli|cluster)\\.ts$' },
      to: { path: '^src/(server|main|serve|cli|cluster)\\.ts$' },
    },
  ],
  options: {
    // Type-only imports count: a type from a forbidden layer couples as much as a value.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
