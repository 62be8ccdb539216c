import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort, startPostgres, type RunningService } from '../support/servers.js';
import { waitUntil } from '../support/wait.js';

/*
 * `npm run start:cluster` (two workers): a reload of the clients file through the admin API
 * reaches the worker that answered, which has the primary make the other reload too; SIGHUP to
 * the primary reaches every worker. Each worker takes connections in turn, so a client the
 * reload added must get tokens from both.
 */

// Two workers loading TypeScript through tsx, and a PostgreSQL server: slow on a busy machine.
vi.setConfig({ testTimeout: 300_000 });

const service = { client_id: 'svc', client_name: 'Service', client_secret: 'svc-secret-0123456789abcdef', redirect_uris: [], response_types: [], grant_types: ['client_credentials'] };
const ops = { client_id: 'ops', client_name: 'Ops', client_secret: 'ops-secret-0123456789abcdef', grant_types: ['client_credentials'], admin_scopes: ['admin:clients'] };
const viaApi = { ...service, client_id: 'via-api', client_secret: 'via-api-secret-0123456789abcdef' };
const viaSignal = { ...service, client_id: 'via-signal', client_secret: 'via-signal-secret-0123456789abcdef' };

const work = mkdtempSync(path.join(tmpdir(), 'portico-cluster-reload-'));
const clientsFile = path.join(work, 'clients.json');
const writeClients = (clients: object[]) => writeFileSync(clientsFile, JSON.stringify({ clients }));

let postgres: RunningService | undefined;
let primary: ChildProcess | undefined;
afterAll(async () => {
  if (primary && primary.exitCode === null) {
    primary.kill('SIGTERM');
    await new Promise((resolve) => primary!.once('exit', resolve));
  }
  await postgres?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('clients reload under the cluster', () => {
  it('reaches every worker, through the API and by SIGHUP to the primary', async () => {
    postgres = await startPostgres();
    writeClients([service, ops]);
    writeFileSync(path.join(work, 'policy.json'), '{}');
    const port = await freePort();
    primary = spawn(process.execPath, ['--import', 'tsx', 'src/cluster.ts'], {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'silent', WORKERS: '2', DATABASE_URL: postgres.url, CLIENTS_FILE: clientsFile, POLICY_FILE: path.join(work, 'policy.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    primary.stdout!.on('data', (chunk) => (output += chunk));
    primary.stderr!.on('data', (chunk) => (output += chunk));
    await waitUntil('both workers to listen', () => output.includes('2 workers listening') || primary!.exitCode !== null, { timeoutMs: 180_000 });
    expect(primary.exitCode, output).toBe(null);

    const url = `http://127.0.0.1:${port}`;
    // A new connection each time, so the requests are spread over the workers.
    const token = (client: { client_id: string; client_secret: string }, scope?: string) =>
      fetch(`${url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, connection: 'close' },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
      });
    const everyWorkerKnows = async (client: typeof service) => {
      for (let i = 0; i < 6; i++) if ((await token(client)).status !== 200) return false;
      return true;
    };

    writeClients([service, ops, viaApi]);
    const { access_token } = (await (await token(ops, 'admin:clients')).json()) as { access_token: string };
    const reloaded = await fetch(`${url}/admin/api/v1/clients/reload`, { method: 'POST', headers: { authorization: `Bearer ${access_token}`, connection: 'close' } });
    expect(reloaded.status).toBe(200);
    await waitUntil('every worker to have reloaded after the API', () => everyWorkerKnows(viaApi));

    writeClients([service, ops, viaApi, viaSignal]);
    primary.kill('SIGHUP');
    await waitUntil('every worker to have reloaded after SIGHUP', () => everyWorkerKnows(viaSignal));
    expect(primary.exitCode).toBe(null);
  });
});
