/**
 * Grants read in the same Redis round trip as the token that points to them. userinfo,
 * introspection and the refresh grant each find a token and then, with nothing else to wait
 * for, its Grant (oidc-provider lib/shared/access_token.js, lib/actions/introspection.js,
 * lib/actions/grants/refresh_token.js): one round trip instead of two.
 *
 * A prefetched grant is only handed out until the event loop's next check phase, i.e. to code
 * running on the same Redis reply: as fresh as a read made at that moment. A write to the
 * grant from this process drops it at once, so a find after a save sees the save.
 */
export class GrantPrefetch {
  /** Raw hash fields of the grant; an empty record means "read, and absent". */
  readonly #grants = new Map<string, Record<string, string>>();
  #clearing = false;

  put(grantId: string, fields: Record<string, string>): void {
    this.#grants.set(grantId, fields);
    if (this.#clearing) return;
    this.#clearing = true;
    setImmediate(() => {
      this.#grants.clear();
      this.#clearing = false;
    });
  }

  /** The fields read together with a token just now, or undefined if none were. */
  take(grantId: string): Record<string, string> | undefined {
    return this.#grants.get(grantId);
  }

  drop(grantId: string): void {
    this.#grants.delete(grantId);
  }
}
