import type { Context } from 'koa';
import { msg, type Msg } from '../../i18n/index.js';
import { hostCookie } from '../../web/cookies.js';
import type { FlowDeps } from '../deps.js';

/**
 * The one-shot "saved" message an account page shows after a form post redirects back to it
 * (post/redirect/get, so a reload does not post again). It rides in a cookie MACed under the
 * server's secret, bound to the account, and names a catalogue key from the list below: a
 * forged or copied link cannot make the page say anything else. Read once, then cleared.
 */
const flashCookie = hostCookie('portico_account_notice');
const FLASH_TTL_MS = 60_000;

const NOTICES = [
  'account.notice.name',
  'account.notice.email_code',
  'account.notice.email_changed',
  'account.notice.password',
  'account.notice.questions',
  'account.notice.device_forgotten',
  'account.notice.devices_forgotten',
  'account.notice.signed_out_elsewhere',
  'account.notice.app_removed',
  'account.notice.passkey_added',
  'account.notice.passkey_removed',
  'account.phone.notice.added',
  'account.phone.notice.changed',
  'account.phone.notice.removed',
  'account.notice.org_requested',
  'orgadmin.notice.role_changed',
  'orgadmin.notice.removed',
  'orgadmin.notice.reset_sent',
  'orgadmin.notice.invited',
  'orgadmin.notice.resent',
  'orgadmin.notice.cancelled',
  'orgadmin.notice.approved',
  'orgadmin.notice.declined',
] as const;
export type AccountNotice = (typeof NOTICES)[number];

const label = (accountId: string, payload: string) => `account-notice:${accountId}:${payload}`;

/** Only string variables: the email address a code went to is the one there is. */
export function setFlash(ctx: Context, deps: FlowDeps, accountId: string, key: AccountNotice, vars?: Record<string, string>): void {
  const payload = Buffer.from(JSON.stringify({ key, vars: vars ?? {} })).toString('base64url');
  flashCookie.set(ctx, `${payload}.${deps.csrf.token(label(accountId, payload))}`, FLASH_TTL_MS);
}

/** The waiting message, if one was set for this account; cleared either way. */
export function takeFlash(ctx: Context, deps: FlowDeps, accountId: string): Msg | undefined {
  const value = flashCookie.get(ctx);
  if (!value) return undefined;
  flashCookie.clear(ctx);
  const [payload, mac] = value.split('.');
  if (!payload || !deps.csrf.verify(label(accountId, payload), mac)) return undefined;
  try {
    const { key, vars } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { key: unknown; vars: unknown };
    if (!NOTICES.includes(key as AccountNotice)) return undefined;
    const strings = Object.entries(typeof vars === 'object' && vars !== null ? vars : {}).filter((e): e is [string, string] => typeof e[1] === 'string');
    return strings.length ? msg(key as string, Object.fromEntries(strings)) : msg(key as string);
  } catch {
    return undefined;
  }
}
