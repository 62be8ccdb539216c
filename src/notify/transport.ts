import nodemailer from 'nodemailer';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';

/** One outbox row on its way out: already rendered, with its stable id. */
export interface OutgoingMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  template: string;
  /** Left-hand side of the Message-ID; the same on every attempt. */
  messageId: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'dev-outbox';
  /**
   * Whether a sent mail's body stays in mail_outbox. Bodies carry live codes and link tokens:
   * once SMTP took a mail only its metadata is kept. The dev outbox is where developers and
   * tests read their mail, so outside production it keeps them; in production it has no page
   * (web/dev-outbox.ts) and keeps nothing either.
   */
  readonly keepsSentBodies: boolean;
  /** Resolves once the mail is accepted; rejects with the reason otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export type TransportConfig = Pick<Config, 'smtpUrl' | 'mailFrom' | 'issuer'> & Partial<Pick<Config, 'production'>>;

/** SMTP when SMTP_URL is set; otherwise the dev outbox, where mail stays in the table for /dev/outbox. */
export function createTransport(config: TransportConfig, log: Logger): MailTransport {
  return config.smtpUrl ? smtpTransport(config.smtpUrl, config.mailFrom) : devOutboxTransport(config.issuer, !config.production, log);
}

// nodemailer's defaults wait up to 10 minutes on a silent socket: far longer than a claim lasts.
const TIMEOUT_DEFAULTS: Record<string, string> = {
  connectionTimeout: '10000',
  greetingTimeout: '10000',
  socketTimeout: '30000',
};

function smtpTransport(smtpUrl: string, from: string): MailTransport {
  const url = new URL(smtpUrl);
  // Options in the URL's query win, so an operator can still tune them.
  for (const [key, value] of Object.entries(TIMEOUT_DEFAULTS)) {
    if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  }
  const transporter = nodemailer.createTransport(url.toString(), { from });
  const domain = addressDomain(from);
  return {
    kind: 'smtp',
    keepsSentBodies: false,
    send: async (mail) => {
      await transporter.sendMail({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: `<${mail.messageId}@${domain}>`,
      });
    },
    close: () => transporter.close(),
  };
}

/** The domain of `Name <user@domain>` or `user@domain`, for Message-IDs. */
export function addressDomain(address: string): string {
  return /@([^\s<>@]+)>?\s*$/.exec(address)?.[1] ?? 'localhost';
}

function devOutboxTransport(issuer: string, keepsSentBodies: boolean, log: Logger): MailTransport {
  return {
    kind: 'dev-outbox',
    keepsSentBodies,
    send: async (mail) => {
      // Subject and address only: the body carries codes and links, and the page shows it.
      log.info(
        { mail: { id: mail.id, to: mail.to, template: mail.template, subject: mail.subject }, view: `${issuer}/dev/outbox/${mail.id}` },
        'mail kept in the dev outbox',
      );
    },
    close: () => {},
  };
}
