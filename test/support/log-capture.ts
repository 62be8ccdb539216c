import { Writable } from 'node:stream';

/** A stream a test's logger writes to, and the lines it received: to check what never reaches a log. */
export function captureLog(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}
