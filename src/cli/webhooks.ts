import { replayDeadEvents, replayEvent, pageWebhookEvents } from '../identity/webhook-events.js';
import { parseFlags, UsageError } from './args.js';
import type { CommandSpec } from './spec.js';
import { usageOf } from './spec.js';
import { operatorOf } from './users.js';

/*
 * `portico webhooks ...`: the webhook outbox's recent events, and the replay of dead-lettered
 * ones once the portal's endpoint works again. The rows hold no body, signature or secret, so
 * nothing of the kind can be printed.
 */

const LIST_LIMIT = 100;

export const webhooksList: CommandSpec = {
  path: ['webhooks', 'list'],
  args: '[--dead]',
  summary: `list the latest ${LIST_LIMIT} webhook events, newest first (with --dead: those given up on)`,
  options: [['--dead', 'only dead-lettered events, the ones `portico webhooks replay` sends again']],
  example: 'portico webhooks list --dead',
  database: true,
  checkArgs: (args) => void parseFlags(args, { dead: { type: 'boolean' } }),
  async run(args, ctx) {
    const { dead } = parseFlags(args, { dead: { type: 'boolean' } });
    const page = await pageWebhookEvents(await ctx.db(), { status: dead ? 'dead' : undefined, limit: LIST_LIMIT });
    if (page.items.length === 0) ctx.out(dead ? 'no dead webhook events' : 'no webhook events');
    for (const e of page.items) {
      ctx.out([e.id, e.status, e.eventType, `sub ${e.subject}`, `${e.attempts} attempts`, e.createdAt.toISOString(), ...(e.lastError ? [e.lastError] : [])].join('\t'));
    }
    if (page.nextCursor) ctx.out(`(only the latest ${LIST_LIMIT} shown; GET /admin/api/v1/webhooks pages through the rest)`);
    return 0;
  },
};

/** The one event id, or every dead event with --all-dead; throws UsageError. */
function targetOf(args: string[]): string | 'all' {
  if (args.length === 1 && args[0] === '--all-dead') return 'all';
  const [id] = args;
  if (args.length !== 1 || !id || id.startsWith('-')) throw new UsageError(usageOf(webhooksReplay));
  return id;
}

export const webhooksReplay: CommandSpec = {
  path: ['webhooks', 'replay'],
  args: '<id> | --all-dead',
  summary: 'send dead-lettered webhook events again: queued as new for the endpoints that did not acknowledge them',
  details: ['Each event replayed writes the audit event operator.webhook_replay naming the operator.', 'The server\'s sender delivers them at its next poll.'],
  options: [['--all-dead', 'every dead event instead of one']],
  example: 'portico webhooks replay 6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  database: true,
  checkArgs: (args) => void targetOf(args),
  async run(args, ctx) {
    const target = targetOf(args);
    const db = await ctx.db();
    if (target === 'all') {
      const ids = await replayDeadEvents(db, 'all', operatorOf(ctx));
      ctx.out(ids.length === 0 ? 'no dead webhook events' : `replayed ${ids.length} event${ids.length === 1 ? '' : 's'}`);
      return 0;
    }
    const outcome = await replayEvent(db, target, operatorOf(ctx));
    if (!outcome.ok) {
      ctx.err(outcome.reason === 'not_found' ? `no webhook event with id "${target}"` : `the event is ${outcome.status}, not dead: only dead events are replayed`);
      return 1;
    }
    ctx.out(`replayed ${target}`);
    return 0;
  },
};

export const webhooksCommands: CommandSpec[] = [webhooksList, webhooksReplay];
