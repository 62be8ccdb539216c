import type { TwilioConfig } from '../config/index.js';
import type { Logger } from '../log.js';

/**
 * Where texts and calls leave Portico. Sending happens during the request that asked for it:
 * the person must learn at once when their phone cannot be reached (and try another way), so
 * there is no queue and no retry behind it. A failure rejects with a PhoneGatewayError, whose
 * message names neither the number nor the body.
 */
export interface PhoneGateway {
  readonly kind: 'twilio' | 'dev-outbox';
  /**
   * Whether a sent message's body stays in phone_outbox. Bodies hold live codes: once Twilio
   * took one only who, when and how are kept. The dev outbox keeps them outside production,
   * where /dev/outbox shows them (as MailTransport.keepsSentBodies).
   */
  readonly keepsSentBodies: boolean;
  /** `to` in E.164. */
  sendText(to: string, body: string): Promise<void>;
  /** `twiml`: what the call says (identity/second-step/phone-twiml.ts). */
  placeCall(to: string, twiml: string): Promise<void>;
}

/** Why a message did not go: the gateway's answer, never the number or the body. */
export class PhoneGatewayError extends Error {
  override name = 'PhoneGatewayError';
  constructor(
    readonly reason: 'refused' | 'unavailable' | 'timeout' | 'network',
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** Twilio when TWILIO_* are set; otherwise the dev outbox, where messages stay in the table for /dev/outbox. */
export function createPhoneGateway(config: { twilio?: TwilioConfig; production: boolean; issuer: string }, log: Logger): PhoneGateway {
  return config.twilio ? twilioGateway(config.twilio, log) : devOutboxGateway(config.issuer, !config.production, log);
}

/**
 * Twilio's Programmable Messaging and Voice REST API (2010-04-01): a form-encoded POST to the
 * account's Messages.json or Calls.json, HTTP Basic with the account SID and auth token.
 */
export function twilioGateway(config: TwilioConfig, log: Logger): PhoneGateway {
  const authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  const post = async (resource: 'Messages' | 'Calls', fields: Record<string, string>) => {
    const url = `${config.apiBase}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/${resource}.json`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ From: config.fromNumber, ...fields }).toString(),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      const failure = timedOut ? new PhoneGatewayError('timeout', `no answer within ${config.timeoutMs} ms`) : new PhoneGatewayError('network', describeCause(error));
      log.warn({ phone: { gateway: 'twilio', resource, reason: failure.message } }, 'phone message not sent');
      throw failure;
    }
    if (response.ok) {
      await response.body?.cancel();
      log.info({ phone: { gateway: 'twilio', resource } }, 'phone message handed to the gateway');
      return;
    }
    // Twilio's error body is {code, message, more_info, status}; its message can quote the number, so only the code is kept.
    const code = await response
      .json()
      .then((body: unknown) => (body as { code?: unknown } | null)?.code)
      .catch(() => undefined);
    const failure = new PhoneGatewayError(response.status >= 500 ? 'unavailable' : 'refused', `HTTP ${response.status}${typeof code === 'number' ? ` (Twilio error ${code})` : ''}`);
    log.warn({ phone: { gateway: 'twilio', resource, reason: failure.message } }, 'phone message not sent');
    throw failure;
  };
  return {
    kind: 'twilio',
    keepsSentBodies: false,
    sendText: (to, body) => post('Messages', { To: to, Body: body }),
    placeCall: (to, twiml) => post('Calls', { To: to, Twiml: twiml }),
  };
}

/** A network error's code (ECONNREFUSED, ENOTFOUND), never its text: that can hold the URL. */
function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : 'request failed';
}

function devOutboxGateway(issuer: string, keepsSentBodies: boolean, log: Logger): PhoneGateway {
  // The row in phone_outbox is the message; the log says only where to read it.
  const kept = (channel: string) => async () => log.info({ phone: { gateway: 'dev-outbox', channel }, view: `${issuer}/dev/outbox` }, 'phone message kept in the dev outbox');
  return { kind: 'dev-outbox', keepsSentBodies, sendText: kept('text'), placeCall: kept('call') };
}
