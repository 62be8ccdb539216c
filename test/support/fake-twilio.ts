import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A stand-in for Twilio's REST API on 127.0.0.1: tests never reach the real one. It accepts
 * POST /2010-04-01/Accounts/<sid>/Messages.json and Calls.json (form-encoded, HTTP Basic
 * sid:token) like the real API, records what came, and can be told to fail (HTTP 500) or to
 * hang (never answer: Portico's timeout must give up).
 */

export const FAKE_TWILIO_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const FAKE_TWILIO_TOKEN = 'fake-twilio-auth-token-0123456789';
export const FAKE_TWILIO_FROM = '+12025550100';

export interface TwilioMessage {
  to: string;
  from: string;
  body: string;
}
export interface TwilioCall {
  to: string;
  from: string;
  twiml: string;
}

export interface FakeTwilio {
  /** TWILIO_API_BASE. */
  url: string;
  /** The environment that points Portico here (TWILIO_TIMEOUT_MS short for the hang test, yet long enough for a loaded machine's real answers). */
  env: Record<string, string>;
  messages: TwilioMessage[];
  calls: TwilioCall[];
  /** Requests refused for wrong credentials or a wrong path. */
  rejected: number;
  mode: 'ok' | 'fail' | 'hang';
  stop(): Promise<void>;
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const expected = `Basic ${Buffer.from(`${FAKE_TWILIO_SID}:${FAKE_TWILIO_TOKEN}`).toString('base64')}`;
  const fake: FakeTwilio = {
    url: '',
    env: {},
    messages: [],
    calls: [],
    rejected: 0,
    mode: 'ok',
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      if (fake.mode === 'hang') return;
      const answer = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (fake.mode === 'fail') return answer(500, { code: 20500, message: 'Internal Server Error', status: 500 });
      const resource = new RegExp(`^/2010-04-01/Accounts/${FAKE_TWILIO_SID}/(Messages|Calls)\\.json$`).exec(req.url ?? '')?.[1];
      if (req.method !== 'POST' || !resource || req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
        fake.rejected++;
        return answer(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      }
      if (req.headers.authorization !== expected) {
        fake.rejected++;
        return answer(401, { code: 20003, message: 'Authenticate', status: 401 });
      }
      const form = new URLSearchParams(raw);
      const [to, from] = [form.get('To') ?? '', form.get('From') ?? ''];
      if (resource === 'Messages') fake.messages.push({ to, from, body: form.get('Body') ?? '' });
      else fake.calls.push({ to, from, twiml: form.get('Twiml') ?? '' });
      answer(201, { sid: `${resource === 'Messages' ? 'SM' : 'CA'}${'0'.repeat(32)}`, status: 'queued', to, from });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.env = { TWILIO_ACCOUNT_SID: FAKE_TWILIO_SID, TWILIO_AUTH_TOKEN: FAKE_TWILIO_TOKEN, TWILIO_FROM_NUMBER: FAKE_TWILIO_FROM, TWILIO_API_BASE: fake.url, TWILIO_TIMEOUT_MS: '2000' };
  return fake;
}
