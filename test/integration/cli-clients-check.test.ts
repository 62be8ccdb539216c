import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode, type CliResult } from '../support/cli.js';
import { inProcessCli } from '../support/cli-in-process.js';

/*
 * `portico clients check` and server start-up judge a clients file alike: given the same file
 * and environment they must give the same answer. The server is started as the operator starts
 * it, in its own process, since refusing a bad file before anything runs is the point; the check
 * runs through the CLI's runner in this process, and once as the real binary.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'portico-clients-'));

const base = { PATH: process.env.PATH, DATA_DIR: path.join(dir, 'data'), POLICY_FILE: path.join(dir, 'none.json'), LOG_LEVEL: 'silent', PORT: '0' };
const production = { NODE_ENV: 'production', COOKIE_SECRETS: 'c'.repeat(40), ISSUER: 'https://id.example.com' };
const web = { client_id: 'bill', client_name: 'Bill', redirect_uris: ['https://bill.example/cb'] };

function file(name: string, clients: unknown[]): string {
  const at = path.join(dir, name);
  writeFileSync(at, JSON.stringify({ clients }));
  return at;
}

const run = (args: string[], env: Record<string, string>) => runNode(args, { env: { ...base, ...env }, timeoutMs: 120_000 });

// Nothing inherited from this process's environment, as for the processes.
const cli = inProcessCli(base);
afterAll(async () => {
  await cli.release();
  rmSync(dir, { recursive: true, force: true });
});

type Check = (env: Record<string, string>) => Promise<CliResult>;
const check: Check = (env) => cli.run(['clients', 'check'], { env });
const checkSpawned: Check = (env) => run(['bin/portico.js', 'clients', 'check'], env);
/** The server's entry point; a file it accepts would keep it running, so only refusals are started. */
const startUp = (env: Record<string, string>) => run(['--import', 'tsx', 'src/main.ts'], { DATA_DIR: 'memory://', ...env });

/** Both refuse with the same one line, which names file, client and field. */
async function expectBothRefuse(env: Record<string, string>, line: RegExp, checker = check): Promise<string> {
  // They share nothing: run side by side.
  const [checked, started] = await Promise.all([checker(env), startUp(env)]);
  expect(checked).toMatchObject({ code: 1, out: '' });
  expect(checked.err).toMatch(line);
  expect(checked.err.split('\n')).toHaveLength(2);
  expect(started).toEqual({ code: 1, out: '', err: checked.err });
  return checked.err;
}

describe('clients check runs the validation start-up runs', () => {
  it("refuses what oidc-provider refuses: a redirect URI that is no URL, the implicit grant", async () => {
    const notUrl = file('not-url.json', [{ ...web, client_secret: '0123456789abcdef', redirect_uris: ['not a url'] }]);
    const implicit = file('implicit.json', [{ ...web, client_secret: '0123456789abcdef', grant_types: ['implicit'] }]);
    await Promise.all([
      expectBothRefuse({ CLIENTS_FILE: notUrl }, /^portico: .*not-url\.json: client "bill": redirect_uris must only contain valid uris\n$/),
      expectBothRefuse({ CLIENTS_FILE: implicit }, /^portico: .*implicit\.json: client "bill": grant_types can only contain 'authorization_code', /),
    ]);
  });

  it('refuses a misspelt field, naming the nearest known one', async () => {
    const typo = file('typo.json', [{ ...web, client_secret: '0123456789abcdef', frist_party: true }]);
    await expectBothRefuse({ CLIENTS_FILE: typo }, /^portico: .*typo\.json: client "bill": frist_party: unknown field; did you mean first_party\?\n$/);
    const metadataTypo = file('typo2.json', [{ ...web, client_secret: '0123456789abcdef', post_logout_redirect_uri: ['https://bill.example/'] }]);
    expect((await check({ CLIENTS_FILE: metadataTypo })).err).toMatch(/: post_logout_redirect_uri: unknown field; did you mean post_logout_redirect_uris\?\n$/);
  });

  it('refuses organization_types naming a type the policy does not declare, and takes declared ones', async () => {
    const dentist = file('dentist.json', [{ ...web, client_secret: '0123456789abcdef', organization_types: ['provider', 'dentist'] }]);
    await expectBothRefuse({ CLIENTS_FILE: dentist }, /^portico: .*dentist\.json: client "bill": organization_types: unknown account type "dentist" \(declared in account_types: member, provider, employer, broker\)\n$/);
    const declared = file('declared.json', [{ ...web, client_secret: '0123456789abcdef', organization_types: ['employer'] }]);
    expect(await check({ CLIENTS_FILE: declared })).toMatchObject({ code: 0, err: '' });
  });

  it('holds a secret from the environment to the rule for one written in the file', async () => {
    const inline = file('short-inline.json', [{ ...web, client_secret: 'x' }]);
    expect((await check({ CLIENTS_FILE: inline })).err).toMatch(/: client "bill": client_secret: must be at least 16 characters\n$/);
    const fromEnv = file('short-env.json', [{ ...web, client_secret_env: 'BILL_SECRET' }]);
    await expectBothRefuse({ CLIENTS_FILE: fromEnv, BILL_SECRET: 'x' }, /: client "bill": client_secret_env: the value of BILL_SECRET must be at least 16 characters\n$/);
    expect(await check({ CLIENTS_FILE: fromEnv, BILL_SECRET: 'a-long-enough-secret' })).toMatchObject({ code: 0, err: '' });
  });
});

describe('a portal secret in the environment', () => {
  const clientsFile = file('env-secret.json', [{ ...web, client_secret_env: 'BILL_SECRET' }]);

  it('is needed only by the server and clients check, not by other commands', async () => {
    const env = { CLIENTS_FILE: clientsFile, DATABASE_URL: '', REDIS_URL: '' };
    expect(await cli.run(['migrate'], { env })).toMatchObject({ code: 0, err: '' });
    expect(await cli.run(['keys', 'list'], { env })).toMatchObject({ code: 0, err: '' });
    expect(await cli.run(['users', 'show', 'nobody'], { env })).toEqual({ code: 1, out: '', err: 'portico: no ID with username or email "nobody"\n' });
    await expectBothRefuse({ CLIENTS_FILE: clientsFile }, /^portico: .*env-secret\.json: client "bill": client_secret_env: BILL_SECRET is not set\n$/);
  });
});

describe('in production (NODE_ENV=production)', () => {
  it('refuses the shipped clients file, whose secrets are public', async () => {
    // Both as processes: the binary's own answer, line for line the server's.
    await expectBothRefuse({ ...production, CLIENTS_FILE: 'config/clients.json' }, /^portico: config\/clients\.json: client "member-portal": client_secret: not allowed when NODE_ENV=production; name an environment variable with client_secret_env\n$/, checkSpawned);
  });

  it('accepts the production example docker-compose mounts, with its secrets in the environment', async () => {
    const secrets = { MEMBER_PORTAL_SECRET: 'f3a9c1e07b6d42e5a8c9', ELIGIBILITY_SERVICE_SECRET: '0b7e4d2a9c1f6e3b8a5d' };
    expect(await check({ ...production, ...secrets, CLIENTS_FILE: 'config/clients.production.json' })).toMatchObject({ code: 0, err: '', out: expect.stringMatching(/: 2 client\(s\), valid\n$/) });
  });

  it('refuses a secret marked dev-only, even from the environment', async () => {
    const service = file('service.json', [{ client_id: 'svc', client_name: 'Service', client_secret_env: 'SVC_SECRET', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }]);
    await expectBothRefuse({ ...production, CLIENTS_FILE: service, SVC_SECRET: 'dev-only-eligibility-service-secret' }, /: client "svc": client_secret_env: the secret is marked dev-only; not allowed when NODE_ENV=production\n$/);
    expect(await check({ ...production, CLIENTS_FILE: service, SVC_SECRET: 'f3a9c1e07b6d42e5a8c9' })).toMatchObject({ code: 0, err: '' });
  });

  it('refuses plain-http redirects for web clients, and keeps loopback ones for native clients', async () => {
    const http = file('http.json', [{ ...web, client_secret_env: 'BILL_SECRET', redirect_uris: ['http://bill.example/cb'] }]);
    await expectBothRefuse({ ...production, CLIENTS_FILE: http, BILL_SECRET: 'f3a9c1e07b6d42e5a8c9' }, /: client "bill": redirect_uris: http:\/\/bill\.example\/cb: a web client needs https when NODE_ENV=production\n$/);
    const native = file('native.json', [{ client_id: 'app', client_name: 'App', application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/callback'] }]);
    expect(await check({ ...production, CLIENTS_FILE: native })).toMatchObject({ code: 0, err: '', out: expect.stringContaining('app  "App"') });
  });

  it('checks backchannel_logout_uri: a URL, and https when NODE_ENV=production', async () => {
    const notUrl = file('logout-not-url.json', [{ ...web, client_secret: '0123456789abcdef', backchannel_logout_uri: 'not a url' }]);
    const http = file('logout-http.json', [{ ...web, client_secret_env: 'BILL_SECRET', backchannel_logout_uri: 'http://bill.example/logout' }]);
    const typo = file('logout-typo.json', [{ ...web, client_secret: '0123456789abcdef', backchannel_logout_url: 'https://bill.example/logout' }]);
    await expectBothRefuse({ CLIENTS_FILE: notUrl }, /: client "bill": backchannel_logout_uri must be a web uri\n$/);
    await expectBothRefuse({ ...production, CLIENTS_FILE: http, BILL_SECRET: 'f3a9c1e07b6d42e5a8c9' }, /: client "bill": backchannel_logout_uri: http:\/\/bill\.example\/logout: needs https when NODE_ENV=production\n$/);
    expect((await check({ CLIENTS_FILE: typo })).err).toMatch(/: client "bill": backchannel_logout_url: unknown field; did you mean backchannel_logout_uri\?\n$/);
    const good = file('logout-good.json', [{ ...web, client_secret_env: 'BILL_SECRET', backchannel_logout_uri: 'https://bill.example/logout', backchannel_logout_session_required: true }]);
    expect(await check({ ...production, CLIENTS_FILE: good, BILL_SECRET: 'f3a9c1e07b6d42e5a8c9' })).toMatchObject({ code: 0, err: '' });
  });
});
