import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { LegacyLinkSettings } from '../../config/clients.js';
import { sendPage } from '../../web/render.js';
import { GoTo, PageError } from '../../web/page-errors.js';
import type { FlowDeps } from '../deps.js';
import { originOf } from '../sign-in/flow.js';
import { msg, type Text } from '../../i18n/index.js';
import { clientName, finishInteraction, interactionOf, portalAbortUrl, type InteractionDetails } from '../interaction.js';

const form = z.object({ username: z.string().max(254).catch('').transform((v) => v.trim()), password: z.string().max(1024).catch('') });

function legacyLinkOf(deps: FlowDeps, details: InteractionDetails): LegacyLinkSettings | undefined {
  return deps.config.clients.settings.get(String(details.params.client_id))?.legacyLink;
}

export function renderLinkLegacy(ctx: Context, deps: FlowDeps, details: InteractionDetails, state: { alert?: Text; username?: string } = {}, status = 200): void {
  const link = legacyLinkOf(deps, details);
  sendPage(ctx, deps.renderer, 'link-legacy', {
    action: `/interaction/${details.uid}/link-legacy`,
    abortUrl: portalAbortUrl(details),
    csrf: deps.csrf.token(`interaction:${details.uid}`),
    clientName: clientName(deps, details.params.client_id),
    displayName: link?.displayName ?? 'old',
    ...state,
  }, status);
}

/** What the page says for each refusal, and with which status. */
const REFUSALS = {
  paused: ['legacy.error.paused', 429],
  unavailable: ['legacy.error.unavailable', 503],
  wrong: ['legacy.error.wrong', 400],
} as const;

async function submit(ctx: Context, deps: FlowDeps, details: InteractionDetails, link: LegacyLinkSettings, accountId: string): Promise<void> {
  await deps.limits.attempt('legacy_link', ctx.ip, accountId);
  const { username, password } = form.parse(ctx.request.body ?? {});
  const system = link.displayName;
  if (!username || !password) return renderLinkLegacy(ctx, deps, details, { alert: msg('legacy.error.missing', { system }), username }, 400);
  const outcome = await deps.identity.legacyLink.link(accountId, link, { username, password }, { ...originOf(ctx, details), ip: ctx.ip });
  if (outcome === 'subject_taken') throw new PageError(409, msg('legacy.error.taken_title', { system }), msg('legacy.error.taken'));
  if (outcome !== 'linked') {
    const [key, status] = REFUSALS[outcome];
    return renderLinkLegacy(ctx, deps, details, { alert: msg(key, { system }), username }, status);
  }
  await finishInteraction(ctx, details, { link_legacy: { system: link.system } }, { merge: true });
}

/** The `link_legacy` prompt (oidc/account-prompts.ts): the old credentials, checked once. */
export function linkLegacyRoutes(router: Router, deps: FlowDeps): void {
  router.post('/interaction/:uid/link-legacy', async (ctx) => {
    const details = await interactionOf(ctx, deps);
    const link = legacyLinkOf(deps, details);
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'link_legacy' || !link || !accountId) throw new GoTo(`/interaction/${details.uid}`);
    await submit(ctx, deps, details, link, accountId);
  });
}
