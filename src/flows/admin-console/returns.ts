/**
 * Where the console's sign-in comes back to: a name from a fixed shape, never an address. It
 * rides in the account pages' pending sign-in (account/account-sign-in.ts), which the account
 * callback hands to the console when it names one of these.
 */
export type ConsoleReturn = 'admin' | 'admin-orgs' | `admin-user-${string}` | `admin-org-${string}`;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ONE_RETURN = new RegExp(`^admin-(user|org)-(${UUID})$`);

export const isConsoleReturn = (value: unknown): value is ConsoleReturn => value === 'admin' || value === 'admin-orgs' || (typeof value === 'string' && ONE_RETURN.test(value));

/** The console page a return names. */
export function consolePath(back: ConsoleReturn): string {
  const [, kind, id] = ONE_RETURN.exec(back) ?? [];
  if (kind && id) return `/admin/${kind}s/${id}`;
  return back === 'admin-orgs' ? '/admin/orgs' : '/admin/users';
}

/** The return for a console path: a user's or organisation's page comes back to it, the queue to the queue, anything else to the search. */
export function consoleReturnOf(path: string): ConsoleReturn {
  const [, kind, id] = /^\/admin\/(user|org)s(?:\/([^/]+))?/.exec(path) ?? [];
  const back = `admin-${kind}-${id}`;
  if (isConsoleReturn(back)) return back;
  return kind === 'org' ? 'admin-orgs' : 'admin';
}
