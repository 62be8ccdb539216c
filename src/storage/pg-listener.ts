import pg from 'pg';

export interface ListenHandlers {
  notify(payload: string): void;
  /** false whenever notifications may have been missed (connection lost); true once listening again. */
  state(live: boolean): void;
}

const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 10_000;

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other queries), and
 * again after that connection is lost: PostgreSQL does not queue notifications for a session
 * that has gone, so the subscriber hears `state(false)` and must assume it missed some.
 * Returns stop.
 */
export function listenPostgres(connectionString: string, channel: string, handlers: ListenHandlers): () => Promise<void> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = FIRST_RETRY_MS;

  const lost = (lostClient: pg.Client) => {
    lostClient.end().catch(() => {});
    if (client !== lostClient) return;
    client = undefined;
    handlers.state(false);
    if (stopped) return;
    retry = setTimeout(connect, delay);
    delay = Math.min(delay * 2, LAST_RETRY_MS);
  };

  const connect = async () => {
    const candidate = new pg.Client({ connectionString, connectionTimeoutMillis: 5000, keepAlive: true });
    client = candidate;
    candidate.on('notification', (message) => {
      if (message.channel === channel && message.payload) handlers.notify(message.payload);
    });
    candidate.on('error', () => lost(candidate));
    candidate.on('end', () => lost(candidate));
    try {
      await candidate.connect();
      // The channel is one of Portico's constants, never input: an identifier cannot be a bind parameter.
      await candidate.query(`LISTEN ${channel}`);
      // Stopped while connecting.
      if (client !== candidate) return void candidate.end().catch(() => {});
      delay = FIRST_RETRY_MS;
      handlers.state(true);
    } catch {
      lost(candidate);
    }
  };

  void connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const current = client;
    client = undefined;
    handlers.state(false);
    await current?.end().catch(() => {});
  };
}
