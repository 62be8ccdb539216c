import type { Context } from 'koa';
import { liveInteractionClient } from '../../oidc/interactions.js';
import { hostCookie } from '../../web/cookies.js';
import type { FlowDeps } from '../deps.js';

/*
 * Recovery opened from a portal's sign-in page (its links carry `?from=<interaction uid>`)
 * ends with "Sign in" back at that portal: the same sign-in while it lives, else the portal's
 * own start (`initiate_login_uri`, OIDC Dynamic Client Registration §2), else /account. The
 * cookie names a portal and a sign-in, nothing secret: a forged one can only choose among the
 * configured portals, and an interaction page still needs the browser's own interaction cookie.
 */

const cookie = hostCookie('portico_recover_from');
const UID = /^[A-Za-z0-9_-]{1,64}$/;

/** Remembers the portal's sign-in this recovery started from, when the link names a live one. */
export async function rememberStart(ctx: Context, deps: FlowDeps): Promise<void> {
  const uid = ctx.query.from;
  if (typeof uid !== 'string' || !UID.test(uid)) return;
  const clientId = await liveInteractionClient(deps.host, uid);
  if (!clientId) return;
  cookie.set(ctx, Buffer.from(JSON.stringify({ uid, clientId })).toString('base64url'), 30 * 60_000);
  ctx.state.portal = clientId;
}

/**
 * A recovery begun from a portal is that portal's journey: its pages and the mails it sends
 * carry the portal's brand (web/brand.ts reads ctx.state.portal when it renders).
 */
export function carryPortal(ctx: Context): void {
  ctx.state.portal ??= remembered(ctx)?.clientId;
}

function remembered(ctx: Context): { uid: string; clientId: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(cookie.get(ctx) ?? '', 'base64url').toString('utf8')) as { uid?: unknown; clientId?: unknown };
    return typeof value.uid === 'string' && UID.test(value.uid) && typeof value.clientId === 'string' ? { uid: value.uid, clientId: value.clientId } : undefined;
  } catch {
    return undefined;
  }
}

/** Where the last page's "Sign in" goes. */
export async function recoverySignInUrl(ctx: Context, deps: FlowDeps): Promise<string> {
  const from = remembered(ctx);
  if (!from) return '/account';
  if ((await liveInteractionClient(deps.host, from.uid)) === from.clientId) return `/interaction/${from.uid}`;
  const client = deps.config.clients.metadata.find((c) => c.client_id === from.clientId);
  return typeof client?.initiate_login_uri === 'string' ? client.initiate_login_uri : '/account';
}
