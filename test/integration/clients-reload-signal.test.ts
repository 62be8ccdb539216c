import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startPorticoProcess, type PorticoProcess } from '../support/portico-process.js';
import { waitUntil } from '../support/wait.js';

/*
 * SIGHUP re-reads the clients file in a running `npm start`: a client added is usable at once,
 * and a bad file is logged in start-up's one line while the clients in force carry on.
 */

const service = { client_id: 'svc', client_name: 'Service', client_secret: 'svc-secret-0123456789abcdef', redirect_uris: [], response_types: [], grant_types: ['client_credentials'] };
const late = { ...service, client_id: 'late', client_name: 'Late', client_secret: 'late-secret-0123456789abcdef' };

const work = mkdtempSync(path.join(tmpdir(), 'portico-sighup-'));
const clientsFile = path.join(work, 'clients.json');
const writeClients = (clients: object[]) => writeFileSync(clientsFile, JSON.stringify({ clients }));

let portico: PorticoProcess | undefined;
afterAll(async () => {
  await portico?.stop('SIGTERM');
});

function token(client: { client_id: string; client_secret: string }): Promise<number> {
  return fetch(`${portico!.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  }).then((r) => r.status);
}

const logLines = () => portico!.output().trim().split('\n').flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as { msg?: string }] : []));

describe('SIGHUP', () => {
  it('reloads the clients file; a bad one is logged in one line and the old clients stay', async () => {
    writeClients([service]);
    writeFileSync(path.join(work, 'policy.json'), '{}');
    portico = await startPorticoProcess({ CLIENTS_FILE: clientsFile, POLICY_FILE: path.join(work, 'policy.json'), DATA_DIR: 'memory://', LOG_LEVEL: 'info' });
    expect(await token(service)).toBe(200);
    expect(await token(late)).toBe(401);

    writeClients([service, late]);
    portico.signal('SIGHUP');
    await waitUntil('the added client to get tokens', async () => (await token(late)) === 200);

    writeClients([service, late, { ...service, client_id: 'typo', redirect_urls: ['https://typo.example/cb'] }]);
    portico.signal('SIGHUP');
    const line = `${clientsFile}: client "typo": redirect_urls: unknown field; did you mean redirect_uris?`;
    await waitUntil('the refusal to be logged', () => logLines().some((l) => l.msg?.endsWith(line)));
    expect(await token(late)).toBe(200);
    expect(await token(service)).toBe(200);
  });
});
