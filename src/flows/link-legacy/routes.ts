import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { LegacyLinkSettings } from '../../config/clients.js';
import { settleLegacyGuess, takeLegacyGuess } from '../../identity/legacy/guess-limits.js';
import { linkSubject } from '../../identity/legacy/links.js';
import { checkLegacyCredentials } from '../../identity/legacy/verify-credentials.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { msg, type Text } from '../../i18n/index.js';
import { checkFormPost, clientName, finishInteraction, loadInteraction, sendError, type InteractionDetails } from '../interaction.js';

const form = z.object({ username: z.string().max(254).catch('').transform((v) => v.trim()), password: z.string().max(1024).catch('') });

function legacyLinkOf(deps: FlowDeps, details: InteractionDetails): LegacyLinkSettings | undefined {
  return deps.config.clients.settings.get(String(details.params.client_id))?.legacyLink;
}

export function renderLinkLegacy(ctx: Context, deps: FlowDeps, details: InteractionDetails, state: { alert?: Text; username?: string } = {}, status = 200): void {
  const link = legacyLinkOf(deps, details);
  sendPage(ctx, deps.renderer, 'link-legacy', {
    action: `/interaction/${details.uid}/link-legacy`,
    abortUrl: `/interaction/${details.uid}/abort`,
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    clientName: clientName(deps, details.params.client_id),
    displayName: link?.displayName ?? 'old',
    ...state,
  }, status);
}

async function submit(ctx: Context, deps: FlowDeps, details: InteractionDetails, link: LegacyLinkSettings, accountId: string): Promise<void> {
  await deps.limits.attempt('legacy_link', ctx.ip, accountId);
  const { username, password } = form.parse(ctx.request.body ?? {});
  const origin = { clientId: String(details.params.client_id), ip: ctx.ip, userAgent: ctx.get('user-agent') };
  if (!username || !password) return renderLinkLegacy(ctx, deps, details, { alert: msg('legacy.error.missing', { system: link.displayName }), username }, 400);
  const guess = { accountId, system: link.system, username, ip: ctx.ip };
  const taken = await takeLegacyGuess(deps.db, guess);
  if (!taken) {
    return renderLinkLegacy(ctx, deps, details, { alert: msg('legacy.error.paused', { system: link.displayName }), username }, 429);
  }
  const check = await checkLegacyCredentials(deps.db, deps.hasher, link, username, password);
  if (!check.ok && check.reason === 'unavailable') {
    await settleLegacyGuess(deps.db, guess, taken, 'unavailable');
    return renderLinkLegacy(ctx, deps, details, { alert: msg('legacy.error.unavailable', { system: link.displayName }), username }, 503);
  }
  if (!check.ok) {
    await settleLegacyGuess(deps.db, guess, taken, 'wrong', origin);
    return renderLinkLegacy(ctx, deps, details, { alert: msg('legacy.error.wrong', { system: link.displayName }), username }, 400);
  }
  const linked = await linkSubject(deps.db, accountId, link.system, check.subject, origin, link.displayName);
  if (!linked.ok) {
    return sendError(ctx, deps, 409, msg('legacy.error.taken_title', { system: link.displayName }), msg('legacy.error.taken'));
  }
  await settleLegacyGuess(deps.db, guess, taken, 'right');
  await finishInteraction(ctx, details, { link_legacy: { system: link.system } }, { merge: true });
}

/** The `link_legacy` prompt (oidc/account-prompts.ts): the old credentials, checked once. */
export function linkLegacyRoutes(router: Router, deps: FlowDeps): void {
  router.post('/interaction/:uid/link-legacy', async (ctx) => {
    const details = await loadInteraction(ctx, deps);
    if (!details || !checkFormPost(ctx, deps, details.uid)) return;
    const link = legacyLinkOf(deps, details);
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'link_legacy' || !link || !accountId) {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${details.uid}`);
    }
    await submit(ctx, deps, details, link, accountId);
  });
}
