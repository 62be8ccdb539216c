/*
 * A flow is a record with a kind, a state and an expiry (ory/kratos selfservice/flow): what
 * a journey may do next is a table, not a set of redirects spread over the pages. Each kind's
 * table sits beside a Mermaid diagram of it (`<kind>.md` in this folder), and a test checks
 * that the two agree, so the drawing cannot go stale.
 */

export type FlowKind = 'sign_in' | 'registration' | 'verification' | 'recovery' | 'settings' | 'invitation';

export interface FlowMachine<S extends string = string, E extends string = string> {
  kind: FlowKind;
  /** The state of a flow that has no record yet (e.g. a sign-in before its password). */
  initial: S;
  /** States a flow ends in: nothing leaves them. */
  final: readonly S[];
  /** Final states whose record is deleted on arrival (nothing reads it again). */
  discard?: readonly S[];
  /** `transitions[state][event]` is the next state; an event missing from a state is refused. */
  transitions: { readonly [K in S]: Readonly<Partial<Record<E, S>>> };
  /** How long a new record lives, in seconds, unless its creator says otherwise. */
  ttlSeconds: number;
}

/** A flow asked to do what its state does not allow: a replayed form, a jump ahead, a race lost. */
export class FlowStateError extends Error {
  constructor(
    readonly kind: FlowKind,
    readonly state: string,
    readonly event: string,
  ) {
    super(`${kind} flow: no "${event}" from "${state}"`);
    this.name = 'FlowStateError';
  }
}

export function defineFlow<S extends string, E extends string>(machine: FlowMachine<S, E>): FlowMachine<S, E> {
  for (const [from, events] of Object.entries(machine.transitions) as Array<[S, Partial<Record<E, S>>]>) {
    if (machine.final.includes(from) && Object.keys(events).length > 0) throw new Error(`${machine.kind} flow: final state "${from}" has transitions`);
    for (const to of Object.values(events) as S[]) {
      if (!(to in machine.transitions)) throw new Error(`${machine.kind} flow: "${from}" goes to unknown state "${to}"`);
    }
  }
  for (const state of machine.discard ?? []) if (!machine.final.includes(state)) throw new Error(`${machine.kind} flow: discarded state "${state}" is not final`);
  return machine;
}

/** `next(state, event) -> state`, or FlowStateError. */
export function nextState<S extends string, E extends string>(machine: FlowMachine<S, E>, state: S, event: E): S {
  const to = machine.transitions[state]?.[event];
  if (to === undefined) throw new FlowStateError(machine.kind, state, event);
  return to;
}

/** Whether `event` is allowed from `state` (a page may ask before it offers a button). */
export function allows<S extends string, E extends string>(machine: FlowMachine<S, E>, state: S, event: E): boolean {
  return machine.transitions[state]?.[event] !== undefined;
}

/** Every edge of the table, for the diagram check and the docs. */
export function edges(machine: FlowMachine): Array<{ from: string; event: string; to: string }> {
  return Object.entries(machine.transitions).flatMap(([from, events]) =>
    Object.entries(events as Record<string, string>).map(([event, to]) => ({ from, event, to })),
  );
}
