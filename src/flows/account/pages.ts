/** The overview and the focused pages it links to, each with its own address and view. */
export const ACCOUNT_PAGES = {
  overview: { path: '/account', view: 'account' },
  profile: { path: '/account/profile', view: 'account-profile' },
  email: { path: '/account/email', view: 'account-email' },
  password: { path: '/account/password', view: 'account-password' },
  security: { path: '/account/security', view: 'account-security' },
  sessions: { path: '/account/sessions', view: 'account-sessions' },
  organizations: { path: '/account/organizations', view: 'account-organizations' },
} as const;
export type AccountPageName = keyof typeof ACCOUNT_PAGES;

export const isAccountPage = (name: unknown): name is AccountPageName => typeof name === 'string' && Object.hasOwn(ACCOUNT_PAGES, name);

/**
 * The page a request belongs to: a page's own address, or the page whose form posts there
 * (the posts keep their older addresses). A sign-in the request needs comes back to it.
 */
export function pageOf(path: string): AccountPageName {
  const rest = path.replace(/^\/account\/?/, '').split('/')[0] ?? '';
  if (rest === 'name') return 'profile';
  if (['questions', 'devices', 'authenticator-app', 'passkeys'].includes(rest)) return 'security';
  if (rest === 'sign-out-everywhere') return 'sessions';
  return isAccountPage(rest) ? rest : 'overview';
}
