import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A stand-in for Have I Been Pwned's range API on 127.0.0.1: tests never reach the real one.
 * GET /range/<5 hex> answers "SUFFIX:COUNT" lines like the real service, padded with made-up
 * suffixes of count 0 when asked with Add-Padding: true.
 */

export interface FakePwned {
  /** The `password.breach_check.url` to configure. */
  url: string;
  /** Every request: path and headers, to check what left Portico. */
  requests: Array<{ path: string; headers: IncomingHttpHeaders }>;
  /** While true, requests are accepted and never answered (an API that hangs). */
  hang: boolean;
  stop(): Promise<void>;
}

const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();

/**
 * `breached`: password -> count in the corpus; a count of 0 stands for a padding line that
 * happens to carry that password's suffix.
 */
export async function startFakePwned(breached: Record<string, number> = {}): Promise<FakePwned> {
  const requests: FakePwned['requests'] = [];
  const listed = Object.entries(breached).map(([password, count]) => ({ hash: sha1(password), count }));
  const fake: FakePwned = {
    url: '',
    requests,
    hang: false,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    if (fake.hang) return;
    const prefix = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? '')?.[1];
    if (!prefix) {
      res.writeHead(400).end('The hash prefix was not in a valid format');
      return;
    }
    const lines = listed.filter((e) => e.hash.startsWith(prefix)).map((e) => `${e.hash.slice(5)}:${e.count}`);
    if (req.headers['add-padding'] === 'true') {
      for (let i = 0; i < 20; i++) lines.push(`${randomBytes(18).toString('hex').slice(0, 35).toUpperCase()}:0`);
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.sort().join('\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/range`;
  return fake;
}
