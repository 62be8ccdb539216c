/**
 * Where the console's sign-in comes back to: a name from a fixed shape, never an address. It
 * rides in the account pages' pending sign-in (account/account-sign-in.ts), which the account
 * callback hands to the console when it names one of these.
 */
export type ConsoleReturn = 'admin' | `admin-user-${string}`;

const USER_RETURN = /^admin-user-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const isConsoleReturn = (value: unknown): value is ConsoleReturn => value === 'admin' || (typeof value === 'string' && USER_RETURN.test(value));

/** The console page a return names. */
export function consolePath(back: ConsoleReturn): string {
  const id = USER_RETURN.exec(back)?.[1];
  return id ? `/admin/users/${id}` : '/admin/users';
}

/** The return for a console path: a user's page comes back to that user, anything else to the search. */
export function consoleReturnOf(path: string): ConsoleReturn {
  const back = `admin-user-${path.replace(/^\/admin\/users\//, '').split('/')[0] ?? ''}`;
  return isConsoleReturn(back) ? back : 'admin';
}
