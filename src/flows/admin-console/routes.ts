import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { msg } from '../../i18n/index.js';
import { PageError } from '../../web/page-errors.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { clearConsoleSession, loadStaffPlace } from './place.js';

/*
 * The help-desk console: server-rendered pages over the admin API's own services (a user
 * search, one user's report) and the help desk's actions, with the staff member's ID as the
 * audit actor. This slice has one action, Unlock.
 */

const SEARCH_LIMIT = 50;
const searchQuery = z.object({ q: z.string().max(200).catch('').optional() });
const idParam = z.string().uuid();

const noSuchUser = () => new PageError(404, msg('error.not_found_title'), msg('error.not_found'));

async function search(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await loadStaffPlace(ctx, deps);
  const q = (searchQuery.parse(ctx.query).q ?? '').trim();
  const page = q ? await deps.identity.admin.searchAccounts({ q, limit: SEARCH_LIMIT }) : undefined;
  sendPage(ctx, deps.renderer, 'console-users', { csrf: place.csrf, q, results: page?.items, more: Boolean(page?.nextCursor) });
}

async function showUser(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await loadStaffPlace(ctx, deps);
  const id = idParam.safeParse(ctx.params.id);
  const report = id.success ? await deps.identity.admin.describe(id.data) : undefined;
  if (!id.success || !report) throw noSuchUser();
  const done = ctx.query.done === 'unlocked' || ctx.query.done === 'not_locked' ? ctx.query.done : undefined;
  sendPage(ctx, deps.renderer, 'console-user', { csrf: place.csrf, user: report, done });
}

/** Unlock: a form post, with a sign-in at most ten minutes old; back to the user's page, which says so. */
async function unlock(ctx: Context, deps: FlowDeps): Promise<void> {
  const place = await loadStaffPlace(ctx, deps, { post: true, fresh: true });
  const id = idParam.safeParse(ctx.params.id);
  if (!id.success) throw noSuchUser();
  const done = await deps.identity.admin.act(id.data, 'unlock', { staffAccount: place.session.accountId });
  if (!done) throw noSuchUser();
  ctx.status = 303;
  ctx.redirect(`/admin/users/${id.data}?done=${done.changed ? 'unlocked' : 'not_locked'}`);
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
  router.post('/admin/users/:id/unlock', (ctx) => unlock(ctx, deps));
  router.post('/admin/sign-out', (ctx) => signOut(ctx, deps));
}
