import type { WebhookStatus } from '../../storage/schema.js';
import type { AdminClient, Operator, StaffMember } from '../audit.js';
import { pageWebhookEvents, replayDeadEvents, replayEvent } from '../webhook-events.js';
import type { IdentityEnv } from './env.js';

/** The webhook outbox for operators: its events, and the replay of dead-lettered ones. */
export function webhooksService({ db }: IdentityEnv) {
  return {
    /** Newest first; throws InvalidCursor. */
    page: (query: { status?: WebhookStatus; limit: number; cursor?: string }) => pageWebhookEvents(db, query),
    replay: (id: string, operator: Operator | AdminClient | StaffMember) => replayEvent(db, id, operator),
    replayAllDead: (operator: Operator | AdminClient | StaffMember) => replayDeadEvents(db, 'all', operator),
  };
}

export type WebhooksService = ReturnType<typeof webhooksService>;
