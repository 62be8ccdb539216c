import { findAccountById, type Account } from '../identity/accounts.js';
import type { Db } from '../storage/database.js';

const byRequest = new WeakMap<object, Map<string, Promise<Account | undefined>>>();

/**
 * The account row, read once per oidc-provider request: findAccount and the terms and
 * new-password prompt checks all ask for it while resuming an authorization (three identical
 * queries before). Keyed by the request's context, so nothing outlives the request.
 */
export function accountForRequest(db: Db, ctx: object | undefined, id: string): Promise<Account | undefined> {
  if (!ctx) return findAccountById(db, id);
  let accounts = byRequest.get(ctx);
  if (!accounts) byRequest.set(ctx, (accounts = new Map()));
  let account = accounts.get(id);
  if (!account) {
    account = findAccountById(db, id);
    accounts.set(id, account);
    account.catch(() => accounts.delete(id));
  }
  return account;
}
