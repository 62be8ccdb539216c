import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { PhonePolicy } from '../../config/policy-phone.js';
import { defaultLocale, isLocale, translator, type Locale } from '../../i18n/index.js';
import { requestLocale } from '../../i18n/request-locale.js';
import type { PhoneGateway } from '../../notify/phone-gateway.js';
import type { Db } from '../../storage/database.js';
import type { Account } from '../../storage/schema.js';
import { recordAudit, type AuditOrigin } from '../audit.js';
import { issueCode, type CodeSpec } from '../one-time-codes.js';
import { inTransaction } from '../transaction.js';
import { maskNumber, numberEnding } from './phone-number.js';
import { codeCallTwiml } from './phone-twiml.js';
import { currentBrand } from '../../notify/brand-context.js';

export type PhoneChannel = 'text' | 'call';

/** What sending to phones needs: the store, the gateway, the limits, and the issuer (texts name its host). */
export interface PhoneEnv {
  db: Db;
  gateway: PhoneGateway;
  policy: PhonePolicy;
  issuer: string;
}

export type SendRefusal =
  /** The number had a code less than min_seconds_between_codes ago. */
  | { ok: false; reason: 'wait'; seconds: number }
  /** An hourly cap (number, account or address) is reached. */
  | { ok: false; reason: 'capped' }
  /** The live code used up its tries: no new one until it would have expired (one-time-codes.ts). */
  | { ok: false; reason: 'locked'; until: Date }
  /** The gateway failed: nothing was sent, nothing counted. */
  | { ok: false; reason: 'unreachable' };

export type SendResult = { ok: true } | SendRefusal;

/** The code's destination as one_time_codes keeps it: the channel says which amr a right code earns. */
export const codeDestination = (channel: PhoneChannel, e164: string) => `${channel}:${e164}`;

export function channelOf(destination: string): PhoneChannel {
  return destination.startsWith('call:') ? 'call' : 'text';
}

export function phoneCodeSpec(policy: PhonePolicy, purpose: string, binding: string): CodeSpec {
  // No throttle of its own: the number's min_seconds_between_codes is the throttle, across accounts.
  return { purpose, length: 6, ttlSeconds: Math.round(policy.code_ttl_minutes * 60), maxAttempts: policy.max_attempts, throttleSeconds: 0, binding };
}

/** The page's language, else the one kept on the account (as mails choose theirs). */
const localeOf = (account: Account): Locale => requestLocale() ?? (isLocale(account.locale) ? account.locale : defaultLocale);

function codeBody(channel: PhoneChannel, code: string, locale: Locale, env: PhoneEnv): string {
  const { t } = translator(locale);
  const minutes = env.policy.code_ttl_minutes;
  if (channel === 'call') return codeCallTwiml(code, locale, { lead: t('phone.call.lead', { product: currentBrand().name }), again: t('phone.call.again'), bye: t('phone.call.bye', { count: minutes }) });
  // The last line is an origin-bound one-time code (WICG WebOTP): browsers offer it only on this site.
  return `${t('phone.text.code', { product: currentBrand().name, code, count: minutes })}\n\n@${new URL(env.issuer).host} #${code}`;
}

/**
 * Serialises the senders that count the same number, account or address (PostgreSQL advisory
 * locks, held to the end of the transaction, taken in one order so two senders cannot deadlock),
 * then refuses when a limit is reached. Parallel requests are counted one after the other:
 * however many arrive at once, no more than a cap get through.
 */
async function checkLimits(trx: Db, policy: PhonePolicy, accountId: string, e164: string, ip: string | null): Promise<{ refused?: SendRefusal; now: Date }> {
  const keys = [`phone:number:${e164}`, `phone:account:${accountId}`, ...(ip ? [`phone:ip:${ip}`] : [])].sort();
  for (const key of keys) await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
  // The time is read once the locks are held: a sender that waited never stamps its message before one it waited for.
  const now = new Date();
  const hourAgo = new Date(now.getTime() - 3600_000);
  const codes = trx.selectFrom('phone_outbox').where('purpose', '=', 'code').where('created_at', '>', hourAgo);
  const count = async (column: 'to_number' | 'account_id' | 'ip', value: string) =>
    Number((await codes.where(column, '=', value).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const last = await codes.where('to_number', '=', e164).select((eb) => eb.fn.max('created_at').as('at')).executeTakeFirst();
  const since = last?.at ? (now.getTime() - new Date(last.at).getTime()) / 1000 : Infinity;
  const capped = { ok: false, reason: 'capped' } as const;
  if (since < policy.min_seconds_between_codes) return { now, refused: { ok: false, reason: 'wait', seconds: Math.max(1, Math.ceil(policy.min_seconds_between_codes - since)) } };
  if ((await count('to_number', e164)) >= policy.per_number_per_hour) return { now, refused: capped };
  if ((await count('account_id', accountId)) >= policy.per_account_per_hour) return { now, refused: capped };
  if (ip && (await count('ip', ip)) >= policy.per_ip_per_hour) return { now, refused: capped };
  return { now };
}

/** Hands one message to the gateway; its row is kept as sent, or removed when it did not go. */
async function deliver(env: PhoneEnv, id: string, channel: PhoneChannel, to: string, body: string): Promise<boolean> {
  try {
    if (channel === 'call') await env.gateway.placeCall(to, body);
    else await env.gateway.sendText(to, body);
  } catch {
    // The gateway logged why (without the number or the body).
    await env.db.deleteFrom('phone_outbox').where('id', '=', id).execute();
    return false;
  }
  await env.db
    .updateTable('phone_outbox')
    .set({ status: 'sent', sent_at: new Date(), ...(env.gateway.keepsSentBodies ? {} : { body: '' }) })
    .where('id', '=', id)
    .execute();
  return true;
}

/**
 * Sends a new code to `e164` by text or call. The limits are checked, the code issued (hashed,
 * replacing the live one of the same purpose and binding, its wrong tries carried over) and the
 * message recorded in one transaction; then the gateway is called outside it, so no lock is held
 * while a phone network answers. When the gateway fails the message and the code are removed
 * again: nothing counts as sent, and the person is told to try another way.
 */
export async function sendPhoneCode(env: PhoneEnv, account: Account, e164: string, channel: PhoneChannel, code: { purpose: string; binding: string }, origin: AuditOrigin = {}): Promise<SendResult> {
  const ip = origin.ip ?? null;
  const reserved = await inTransaction(env.db, async (trx) => {
    const { refused, now } = await checkLimits(trx, env.policy, account.id, e164, ip);
    if (refused) return refused;
    const issued = await issueCode(trx, account.id, codeDestination(channel, e164), phoneCodeSpec(env.policy, code.purpose, code.binding), now);
    if (!issued.ok) return issued.reason === 'locked' ? ({ ok: false, reason: 'locked', until: issued.until } as const) : ({ ok: false, reason: 'wait', seconds: issued.retryAfterSeconds } as const);
    const id = randomUUID();
    const body = codeBody(channel, issued.code, localeOf(account), env);
    await trx.insertInto('phone_outbox').values({ id, account_id: account.id, to_number: e164, channel, purpose: 'code', body, ip, created_at: now }).execute();
    return { ok: true as const, id, body, now };
  });
  if (!reserved.ok) return reserved;
  const details = { channel, number: maskNumber(e164), purpose: code.purpose };
  if (!(await deliver(env, reserved.id, channel, e164, reserved.body))) {
    await env.db.deleteFrom('one_time_codes').where('account_id', '=', account.id).where('purpose', '=', code.purpose).where('bound_to', '=', code.binding).where('created_at', '=', reserved.now).execute();
    await recordAudit(env.db, { action: 'phone.send_failed', actor: `account:${account.id}`, accountId: account.id, details, ...origin });
    return { ok: false, reason: 'unreachable' };
  }
  await recordAudit(env.db, { action: 'phone.code_sent', actor: `account:${account.id}`, accountId: account.id, details, ...origin });
  return { ok: true };
}

/**
 * A text telling the holder of `e164` that the account's number changed (both the old and the
 * new number get one). Not a code: the limits do not count it, and a failure is only logged
 * (by the gateway): the change is made already, and the email address is told as well.
 */
export async function sendChangeNotice(env: PhoneEnv, account: Account, e164: string, newNumber: string): Promise<void> {
  const { t } = translator(localeOf(account));
  const body = t('phone.text.changed', { product: currentBrand().name, ending: numberEnding(newNumber) });
  const id = randomUUID();
  await env.db.insertInto('phone_outbox').values({ id, account_id: account.id, to_number: e164, channel: 'text', purpose: 'notice', body }).execute();
  await deliver(env, id, 'text', e164, body);
}
