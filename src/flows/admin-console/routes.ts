import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { ACTION_WORDS, actionSlug, badCursor, CONSOLE_ACTIONS, consoleActionRoutes, noSuchUser, NOTICES, roleMayRun } from './actions.js';
import { consoleOrgRoutes } from './orgs.js';
import { clearConsoleSession, loadStaffPlace } from './place.js';

/*
 * The help-desk console: server-rendered pages over the admin API's own services (a user
 * search, one user's report) and the help desk's actions, with the staff member's ID as the
 * audit actor; the actions themselves are in actions.ts, organisation requests in orgs.ts.
 */

const SEARCH_LIMIT = 50;
const TRAIL_LIMIT = 20;
const searchQuery = z.object({ q: z.string().max(200).catch('').optional(), cursor: z.string().max(1000).optional().catch(undefined) });
const idParam = z.string().uuid();

/** A page of results at a time: "Next" carries the search's cursor (the last row's key). */
async function search(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await loadStaffPlace(ctx, deps);
  const query = searchQuery.parse(ctx.query);
  const q = (query.q ?? '').trim();
  const cursor = query.cursor || undefined;
  // Only the deletion's notice comes here: the ID it names is gone.
  const done = ctx.query.done === 'deleted' ? NOTICES.deleted : undefined;
  const page = q ? await deps.identity.admin.searchAccounts({ q, limit: SEARCH_LIMIT, cursor }).catch(badCursor) : undefined;
  const next = page?.nextCursor ? `/admin/users?${new URLSearchParams({ q, cursor: page.nextCursor }).toString()}` : undefined;
  sendPage(ctx, deps.renderer, 'console-users', { csrf: place.csrf, done, q, results: page?.items, next, later: cursor !== undefined });
}

async function showUser(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await loadStaffPlace(ctx, deps);
  const id = idParam.safeParse(ctx.params.id);
  const report = id.success ? await deps.identity.admin.describe(id.data) : undefined;
  if (!id.success || !report) throw noSuchUser();
  const done = typeof ctx.query.done === 'string' && Object.hasOwn(NOTICES, ctx.query.done) ? NOTICES[ctx.query.done] : undefined;
  const mayAct = await deps.identity.admin.staffMayActOn(place.session.accountId, report.id);
  const trail = await deps.identity.admin.auditTrail(report.id, TRAIL_LIMIT);
  const actions = mayAct ? CONSOLE_ACTIONS.filter((action) => roleMayRun(place.roles, action)).map((action) => ({ slug: actionSlug(action), ...ACTION_WORDS[action] })) : [];
  sendPage(ctx, deps.renderer, 'console-user', { csrf: place.csrf, user: report, done, mayAct, actions, trail });
}

async function signOut(ctx: Context, deps: FlowDeps): Promise<void> {
  await loadStaffPlace(ctx, deps, { post: true });
  clearConsoleSession(ctx);
  ctx.status = 303;
  ctx.redirect('/');
}

export function consoleRoutes(router: Router, deps: FlowDeps): void {
  router.get('/admin', (ctx) => {
    ctx.status = 303;
    ctx.redirect('/admin/users');
  });
  router.get('/admin/users', (ctx) => search(ctx, deps));
  router.get('/admin/users/:id', (ctx) => showUser(ctx, deps));
  router.post('/admin/sign-out', (ctx) => signOut(ctx, deps));
  consoleOrgRoutes(router, deps);
  consoleActionRoutes(router, deps);
}
