import {
  ColumnNode,
  DeleteQueryNode,
  InsertQueryNode,
  TableNode,
  UpdateQueryNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';

/** migrations/0009: every committed change to an account's cached columns is NOTIFYed here. */
export const ACCOUNT_CHANGES_CHANNEL = 'portico_account_changed';

export type AccountChange =
  /** Committed, in any process (NOTIFY). */
  | { kind: 'committed'; accountId: string }
  /** Written by this process, perhaps not yet committed; which rows is not known here. */
  | { kind: 'written'; columns: readonly string[] | 'all' }
  /** Whether every committed change reaches this process right now. */
  | { kind: 'feed'; live: boolean };

/** Where this process hears that accounts changed; account-cache.ts is the listener. */
export class AccountChanges {
  readonly #listeners = new Set<(change: AccountChange) => void>();

  subscribe(listener: (change: AccountChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(change: AccountChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}

const tableName = (node: OperationNode | undefined) => (node && TableNode.is(node) ? node.table.identifier.name : undefined);

/** Tables whose rows are part of what a token says of an account (the `organizations` claim). */
const TOKEN_TABLES = new Set(['memberships', 'organizations']);

function accountColumnsWritten(node: RootOperationNode): readonly string[] | 'all' | undefined {
  return ownColumnsWritten(node) ?? cteColumnsWritten(node);
}

/** A write inside a WITH (a change and its events in one statement, identity/account-events.ts). */
function cteColumnsWritten(node: RootOperationNode): readonly string[] | 'all' | undefined {
  const ctes = 'with' in node && node.with ? node.with.expressions : [];
  const found = ctes.map((cte) => ownColumnsWritten(cte.expression as RootOperationNode)).filter((c) => c !== undefined);
  if (found.length === 0) return undefined;
  return found.includes('all') ? 'all' : (found as (readonly string[])[]).flat();
}

function ownColumnsWritten(node: RootOperationNode): readonly string[] | 'all' | undefined {
  // Which accounts a membership or organisation write concerns is not known here: all of them.
  if (UpdateQueryNode.is(node) && TOKEN_TABLES.has(tableName(node.table) ?? '')) return 'all';
  if (InsertQueryNode.is(node) && TOKEN_TABLES.has(tableName(node.into) ?? '')) return 'all';
  if (DeleteQueryNode.is(node) && node.from.froms.some((from) => TOKEN_TABLES.has(tableName(from) ?? ''))) return 'all';
  if (UpdateQueryNode.is(node) && tableName(node.table) === 'accounts') {
    const updates = node.updates ?? [];
    // A column it cannot name might be any of them.
    return updates.every((update) => ColumnNode.is(update.column)) ? updates.map((update) => (update.column as ColumnNode).column.name) : 'all';
  }
  if (DeleteQueryNode.is(node) && node.from.froms.some((from) => tableName(from) === 'accounts')) return 'all';
  return undefined;
}

/**
 * Tells this process of its own account writes as soon as they are made, before NOTIFY
 * (which PostgreSQL delivers over another connection, a moment after the commit) arrives: a
 * request that follows "sign out everywhere" on the same server must not see the old account.
 * Raw `sql` writes are not seen here; the trigger still NOTIFYs them.
 */
export function accountWritesPlugin(changes: AccountChanges): KyselyPlugin {
  const written = new WeakMap<QueryId, readonly string[] | 'all'>();
  return {
    transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
      const columns = accountColumnsWritten(node);
      if (columns) written.set(queryId, columns);
      return node;
    },
    async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      const columns = written.get(queryId);
      if (columns) changes.emit({ kind: 'written', columns });
      return result;
    },
  };
}
