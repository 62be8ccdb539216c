import type Router from '@koa/router';
import type { Context } from 'koa';
import { msg, type Msg, type Text } from '../../i18n/index.js';
import { numberEnding } from '../../identity/second-step/phone-number.js';
import { readPhoneCode } from '../../identity/second-step/phone.js';
import type { PhoneChannel, SendResult } from '../../identity/second-step/phone-send.js';
import { appListed } from '../../methods/authenticator-app.js';
import { passkeysListed } from '../../methods/passkey.js';
import { phoneListed } from '../../methods/phone.js';
import { codeProblem, codeSentTo, numberProblem, sendProblem, sendStatus, typedCodeProblem } from '../../methods/phone-messages.js';
import { sendPage } from '../../web/render.js';
import type { Account } from '../../identity/accounts.js';
import type { FlowDeps } from '../deps.js';
import { backTo } from './page.js';
import { methodRoute, type AccountHandler } from './method-route.js';
import { accountBinding, type AccountPlace } from './place.js';

const PAGE = '/account/phone';

interface PageMessages {
  notice?: Text;
  alert?: Text;
  tryAnotherWay?: boolean;
  errors?: Record<string, Msg>;
  number?: string;
}

const field = (ctx: Context, name: string): string => {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, 200) : '';
};

/** The button pressed: "Text me" or "Call me". */
const channelOf = (ctx: Context): PhoneChannel => (field(ctx, 'channel') === 'call' ? 'call' : 'text');

/** The other ways the account page offers this account's type to set up, for a phone that cannot be reached. */
function otherWays(deps: FlowDeps, account: Account): { url: string; label: Msg }[] {
  return [
    ...(appListed(deps, account) ? [{ url: '/account/authenticator-app', label: msg('account.app.set_up') }] : []),
    ...(passkeysListed(deps, account) ? [{ url: '/account/passkeys', label: msg('account.passkeys.add') }] : []),
  ];
}

/** The page at its stage: the current number's code, a new number, or the new number's code. */
async function show(ctx: Context, deps: FlowDeps, place: AccountPlace, messages: PageMessages = {}, status = 200): Promise<void> {
  const stage = await deps.identity.phone.stage(place.account.id);
  const policy = deps.config.policy.second_step.phone;
  sendPage(ctx, deps.renderer, 'account-phone', {
    action: PAGE,
    backUrl: '/account/security',
    csrf: deps.csrf.token(accountBinding(place.account.id)),
    stage: stage.stage,
    codeSent: stage.stage === 'prove_current' && stage.codeSent,
    ending: stage.current && numberEnding(stage.current),
    pendingEnding: stage.stage === 'confirm_new' ? numberEnding(stage.pending) : undefined,
    validMinutes: policy.code_ttl_minutes,
    countries: policy.countries.join(', '),
    others: otherWays(deps, place.account),
    number: messages.number ?? '',
    errors: messages.errors ?? {},
    notice: messages.notice,
    alert: messages.alert,
    tryAnotherWay: messages.tryAnotherWay,
  }, status);
}

/** After a send: where it went, or why not (a limit, or the gateway: then the other ways). */
function afterSend(ctx: Context, deps: FlowDeps, place: AccountPlace, sent: SendResult, channel: PhoneChannel, ending: string | undefined, extra: PageMessages = {}) {
  if (sent.ok) return show(ctx, deps, place, { notice: codeSentTo(channel, ending ?? '') });
  return show(ctx, deps, place, { ...extra, alert: sendProblem(sent), tryAnotherWay: sent.reason === 'unreachable' }, sendStatus(sent));
}

async function sendToCurrent(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const channel = channelOf(ctx);
  const sent = await deps.identity.phone.sendToCurrent(place.account, channel, place.origin);
  await afterSend(ctx, deps, place, sent, channel, await deps.identity.phone.ending(place.account.id));
}

/** Reads the typed code; answers the page with the problem when it is not six digits. */
async function typedCode(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<string | undefined> {
  const typed = readPhoneCode(field(ctx, 'code'));
  if (typed.ok) return typed.code;
  await show(ctx, deps, place, { errors: { code: typedCodeProblem(typed.problem) } }, 400);
  return undefined;
}

async function proveCurrent(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const code = await typedCode(ctx, deps, place);
  if (code === undefined) return;
  const check = await deps.identity.phone.proveCurrent(place.account, code, place.origin);
  if (!check.ok) return show(ctx, deps, place, { errors: { code: codeProblem(check) } }, 400);
  await show(ctx, deps, place, { notice: msg('account.phone.notice.proved') });
}

async function startNew(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const number = field(ctx, 'number');
  const channel = channelOf(ctx);
  const started = await deps.identity.phone.startNew(place.account, number, channel, place.origin);
  if (!started.ok && started.reason === 'not_proved') return show(ctx, deps, place, {}, 409);
  if (!started.ok && started.reason === 'number') {
    return show(ctx, deps, place, { number, errors: { number: numberProblem(started.problem, deps.config.policy.second_step.phone.countries) } }, 400);
  }
  const stage = await deps.identity.phone.stage(place.account.id);
  await afterSend(ctx, deps, place, started as SendResult, channel, stage.stage === 'confirm_new' ? numberEnding(stage.pending) : undefined, { number });
}

async function resendToNew(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const channel = channelOf(ctx);
  const sent = await deps.identity.phone.resendToNew(place.account, channel, place.origin);
  const stage = await deps.identity.phone.stage(place.account.id);
  await afterSend(ctx, deps, place, sent, channel, stage.stage === 'confirm_new' ? numberEnding(stage.pending) : undefined);
}

async function confirmNew(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const code = await typedCode(ctx, deps, place);
  if (code === undefined) return;
  const confirmed = await deps.identity.phone.confirmNew(place.account, code, place.origin);
  if (!confirmed.ok) return show(ctx, deps, place, confirmed.check ? { errors: { code: codeProblem(confirmed.check) } } : {}, 400);
  backTo(ctx, deps, place, 'security', confirmed.changed ? 'account.phone.notice.changed' : 'account.phone.notice.added');
}

/** "Use a different number": the number field again. */
async function cancel(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  await deps.identity.phone.cancel(place.account.id);
  ctx.status = 303;
  ctx.redirect(PAGE);
}

async function remove(ctx: Context, deps: FlowDeps, place: AccountPlace): Promise<void> {
  const removed = await deps.identity.phone.remove(place.account, place.origin);
  backTo(ctx, deps, place, 'security', removed ? 'account.phone.notice.removed' : undefined);
}

type Handler = AccountHandler;

/**
 * The phone's own page, from the account page: set a number up (confirmed by a code sent to it),
 * change it (a code to the current number first), remove it. Every step changes how the account
 * signs in, so every step needs a recent sign-in, as the authenticator app's setup does.
 */
export function phoneRoutes(router: Router, deps: FlowDeps): void {
  // Typed codes are guesses: counted as the other code forms are. Sends have their own limits (phone-send.ts).
  const guarded = (handler: Handler, kind: 'send' | 'check' | 'other' | false) => methodRoute(deps, phoneListed, handler, { post: kind !== false, limited: kind === 'check' });
  router.get(PAGE, guarded((ctx, d, place) => show(ctx, d, place), false));
  const posts: Array<[string, Handler, 'send' | 'check' | 'other']> = [
    ['/current', sendToCurrent, 'send'],
    ['/current/confirm', proveCurrent, 'check'],
    ['/new', startNew, 'send'],
    ['/new/resend', resendToNew, 'send'],
    ['/confirm', confirmNew, 'check'],
    ['/cancel', cancel, 'other'],
    ['/remove', remove, 'other'],
  ];
  for (const [path, handler, kind] of posts) router.post(`${PAGE}${path}`, guarded(handler, kind));
}
