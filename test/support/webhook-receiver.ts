import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../src/notify/webhook-signature.js';

/*
 * A portal's webhook endpoint on 127.0.0.1: it checks each delivery's signature, answers as
 * told (200, 500, or not at all), and can go down and come back on the same port.
 */

export interface Delivery {
  eventId: string;
  event: { id: string; type: string; sub: string; iss: string; occurred_at: string };
  validSignature: boolean;
  /** The status answered, or 'hung' while the request waits (and if its sender died). */
  answer: number | 'hung';
}

export class WebhookReceiver {
  /** What the next requests get. */
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  readonly deliveries: Delivery[] = [];
  private server: Server | undefined;
  private readonly hung: ServerResponse[] = [];

  private constructor(private readonly secret: string, private port: number) {}

  static async start(secret: string): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(secret, 0);
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Event ids answered 2xx, once each: what a receiver that drops duplicates acts on. */
  processed(): string[] {
    return [...new Set(this.accepted().map((d) => d.eventId))];
  }

  accepted(): Delivery[] {
    return this.deliveries.filter((d) => d.answer === 200);
  }

  ofEvent(id: string): Delivery[] {
    return this.deliveries.filter((d) => d.eventId === id);
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Refuses connections until up() again; requests waiting are cut off. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const res of this.hung.splice(0)) res.destroy();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const header = (name: string) => String(req.headers[name] ?? '');
    const delivery: Delivery = {
      eventId: header('portico-event-id'),
      event: JSON.parse(body),
      validSignature: verifyWebhook(this.secret, { signature: header('portico-signature'), timestamp: header('portico-timestamp') }, body),
      answer: 'hung',
    };
    this.deliveries.push(delivery);
    if (this.mode === 'hang') {
      this.hung.push(res);
      return;
    }
    delivery.answer = this.mode === 'ok' ? 200 : 500;
    res.writeHead(delivery.answer).end();
  }
}
