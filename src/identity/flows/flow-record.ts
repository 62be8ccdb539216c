import type { Db } from '../../storage/database.js';
import type { FlowRow } from '../../storage/schema.js';
import { codeHmacKey, keyedHash, randomToken } from '../keyed-hash.js';
import { nextState, type FlowKind, type FlowMachine } from './machine.js';

/*
 * The one store of every flow kind (table `flows`). The browser holds the flow's id (a cookie,
 * or the oidc-provider interaction uid for a sign-in); the table holds only its keyed hash,
 * so a copy of the table opens no flow. A state change is one conditional UPDATE from the state
 * the caller read: of two requests racing on one flow, one moves it and the other is told.
 */

export interface Flow<S extends string = string, D = Record<string, unknown>> {
  idHash: string;
  kind: FlowKind;
  state: S;
  /** The account, once the flow knows it (null for a made-up name, whose flow looks the same). */
  accountId: string | null;
  /** What the next step needs (per kind). */
  data: D;
  /** Wrong codes counted on a flow with no account behind it. */
  decoyFailures: number;
  createdAt: Date;
  expiresAt: Date;
}

const ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The keyed hash a flow id is stored under; the label keeps one kind's ids from opening another's. */
export async function flowIdHash(db: Db, kind: FlowKind, id: string): Promise<string> {
  return keyedHash(await codeHmacKey(db), `${kind.replace('_', '-')}-flow`, id);
}

function toFlow<S extends string, D>(row: FlowRow): Flow<S, D> {
  return {
    idHash: row.id_hash,
    kind: row.kind as FlowKind,
    state: row.state as S,
    accountId: row.account_id,
    data: JSON.parse(row.data) as D,
    decoyFailures: row.decoy_failures,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export interface NewFlow<D> {
  /** The id to key it by (a sign-in's interaction uid); a random one when absent. */
  id?: string;
  accountId: string | null;
  data: D;
  ttlSeconds?: number;
  now?: Date;
}

/**
 * A flow's record, made by its first event from the machine's initial state. With a given id
 * an earlier record under it is replaced (a sign-in that starts over from its password).
 */
export async function startFlow<S extends string, E extends string, D>(db: Db, machine: FlowMachine<S, E>, event: E, init: NewFlow<D>): Promise<{ id: string; flow: Flow<S, D> }> {
  const id = init.id ?? randomToken();
  const now = init.now ?? new Date();
  const row = {
    kind: machine.kind,
    state: nextState(machine, machine.initial, event),
    account_id: init.accountId,
    data: JSON.stringify(init.data),
    decoy_failures: 0,
    created_at: now,
    updated_at: now,
    expires_at: new Date(now.getTime() + (init.ttlSeconds ?? machine.ttlSeconds) * 1000),
  };
  const stored = await db
    .insertInto('flows')
    .values({ id_hash: await flowIdHash(db, machine.kind, id), ...row })
    .onConflict((oc) => oc.column('id_hash').doUpdateSet(row))
    .returningAll()
    .executeTakeFirstOrThrow();
  return { id, flow: toFlow<S, D>(stored) };
}

/** The live flow of this kind under the browser's id; an unknown, expired or malformed one is undefined. */
export async function findFlow<S extends string, E extends string, D>(db: Db, machine: FlowMachine<S, E>, id: string | undefined, now = new Date()): Promise<Flow<S, D> | undefined> {
  if (!id || !ID.test(id)) return undefined;
  const row = await db
    .selectFrom('flows')
    .selectAll()
    .where('id_hash', '=', await flowIdHash(db, machine.kind, id))
    .where('kind', '=', machine.kind)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row ? toFlow<S, D>(row) : undefined;
}

export interface FlowChange<D> {
  accountId?: string | null;
  /** Merged into the flow's data. */
  data?: Partial<D>;
  expiresAt?: Date;
}

function changeSet<D>(flow: Flow<string, D>, change: FlowChange<D>) {
  return {
    ...(change.accountId !== undefined ? { account_id: change.accountId } : {}),
    ...(change.data ? { data: JSON.stringify({ ...flow.data, ...change.data }) } : {}),
    ...(change.expiresAt ? { expires_at: change.expiresAt } : {}),
    updated_at: new Date(),
  };
}

/**
 * Moves the flow on by `event` (FlowStateError if its state does not allow it). Undefined when
 * another request moved it first or it expired meanwhile: the caller lost the race and must not
 * act as though it had won.
 */
export async function advanceFlow<S extends string, E extends string, D>(db: Db, machine: FlowMachine<S, E>, flow: Flow<S, D>, event: E, change: FlowChange<D> = {}): Promise<Flow<S, D> | undefined> {
  const to = nextState(machine, flow.state, event);
  if (machine.discard?.includes(to)) {
    // One statement claims and ends it: of two requests finishing one flow, one wins.
    const gone = await db.deleteFrom('flows').where('id_hash', '=', flow.idHash).where('state', '=', flow.state).where('expires_at', '>', new Date()).returning('id_hash').executeTakeFirst();
    return gone ? { ...flow, state: to, data: { ...flow.data, ...change.data } as D } : undefined;
  }
  const row = await db
    .updateTable('flows')
    .set({ state: to, ...changeSet(flow, change) })
    .where('id_hash', '=', flow.idHash)
    .where('state', '=', flow.state)
    .where('expires_at', '>', new Date())
    .returningAll()
    .executeTakeFirst();
  return row ? toFlow<S, D>(row) : undefined;
}

/** Changes what the flow holds without moving it (a new destination, a later expiry). */
export async function updateFlow<S extends string, D>(db: Db, flow: Flow<S, D>, change: FlowChange<D>): Promise<Flow<S, D>> {
  const row = await db.updateTable('flows').set(changeSet(flow, change)).where('id_hash', '=', flow.idHash).returningAll().executeTakeFirst();
  return row ? toFlow<S, D>(row) : { ...flow, data: { ...flow.data, ...change.data } as D };
}

/** Counts a wrong code on a flow with no account behind it, capped like a real code's tries. */
export async function countDecoyFailure(db: Db, flow: Flow<string, unknown>, maxAttempts: number): Promise<number | undefined> {
  const row = await db
    .updateTable('flows')
    .set((eb) => ({ decoy_failures: eb('decoy_failures', '+', 1) }))
    .where('id_hash', '=', flow.idHash)
    .where('decoy_failures', '<', maxAttempts)
    .returning('decoy_failures')
    .executeTakeFirst();
  return row?.decoy_failures;
}

/** The flow is over: its record goes (a final state need not be kept to be refused later). */
export async function endFlow(db: Db, flow: Flow<string, unknown>): Promise<void> {
  await db.deleteFrom('flows').where('id_hash', '=', flow.idHash).execute();
}

/** Flows past their expiry, of every kind; returns how many went. */
export async function purgeExpiredFlows(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('flows').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
