/**
 * The protocol side of ending an ID's sessions, which the domain cannot reach itself (the
 * sessions live in oidc-provider's store): server.ts wires oidc/account-sessions.ts in. Where
 * nothing is wired (a command in its own process), ending and deleting an ID still work
 * through the account's own columns; only the portals are not told.
 */
export interface PortalSessions {
  /**
   * Removes every session of the account from the protocol store and sends each portal signed
   * in on one of them a back-channel logout token. Resolves once the sessions are removed;
   * deliveries go on without the caller, and failures are logged, never thrown.
   */
  endAll(accountId: string): Promise<void>;
  /** Removes the account's grants, every token issued under them and its index from the protocol store. */
  forgetGrants(accountId: string): Promise<void>;
}

export const noPortalSessions: PortalSessions = {
  endAll: async () => {},
  forgetGrants: async () => {},
};
