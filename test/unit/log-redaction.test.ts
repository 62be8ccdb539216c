import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger('info', stream) };
}

describe('logs', () => {
  it('never carry credentials, cookies, codes or tokens', () => {
    const { lines, log } = capture();
    log.info({ req: { headers: { authorization: 'Basic c2VjcmV0', cookie: '_session=abc123' } } }, 'request');
    log.info({ body: { password: 'Correct7Horse', code: '123456', refresh_token: 'rt-xyz', client_secret: 'cs-1' } }, 'form');
    const text = lines.join('');
    for (const secret of ['c2VjcmV0', 'abc123', 'Correct7Horse', '123456', 'rt-xyz', 'cs-1']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
