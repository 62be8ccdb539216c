import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { waitUntil } from './wait.js';

const LOOPBACK = '127.0.0.1';

export interface ReceivedMail {
  to: string[];
  raw: string;
  header(name: string): string | undefined;
  /** The body with quoted-printable soft breaks and escapes undone, enough to search it. */
  decoded: string;
}

function parseMail(to: string[], raw: string): ReceivedMail {
  const [head = ''] = raw.split('\r\n\r\n', 1);
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  const decoded = raw.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return {
    to,
    raw,
    decoded,
    header: (name) => new RegExp(`^${name}: (.*)$`, 'im').exec(unfolded)?.[1]?.trim(),
  };
}

/** A real SMTP server on loopback that keeps what it accepts, or answers 421 while `down`. */
export class TestSmtp {
  readonly received: ReceivedMail[] = [];
  down = false;
  private constructor(
    private readonly server: SMTPServer,
    readonly url: string,
  ) {}

  static async start(): Promise<TestSmtp> {
    let smtp: TestSmtp | undefined;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect: (_session, callback) => {
        if (!smtp?.down) return callback();
        callback(Object.assign(new Error('Service not available, try again later'), { responseCode: 421 }));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const to = session.envelope.rcptTo.map((r) => r.address);
          smtp!.received.push(parseMail(to, Buffer.concat(chunks).toString('utf8')));
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, LOOPBACK, () => resolve());
    });
    const { port } = server.server.address() as AddressInfo;
    smtp = new TestSmtp(server, `smtp://${LOOPBACK}:${port}`);
    return smtp;
  }

  /** The mails sent to `address` so far, waiting up to `timeoutMs` for at least `count`. */
  mailsTo(address: string, count = 1, timeoutMs = 20_000): Promise<ReceivedMail[]> {
    return waitUntil(`${count} mail(s) to ${address}`, () => {
      const found = this.received.filter((m) => m.to.some((to) => to.toLowerCase() === address.toLowerCase()));
      return found.length >= count && found;
    }, { timeoutMs });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

