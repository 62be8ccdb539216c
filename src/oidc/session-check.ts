import type { ProviderHost } from './host.js';

/**
 * The account signed in to the provider session `sessionUid` names, while that session lives.
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2, oidc-provider's
 * /session/end) destroys the session; a sign-in as someone else in it changes its account.
 * Pages that keep a session of their own beside the provider's check it here on every request,
 * so they end when the person signs out anywhere.
 */
export async function providerSessionAccount(host: ProviderHost, sessionUid: string): Promise<string | undefined> {
  const session = (await host.provider.Session.findByUid(sessionUid)) as { accountId?: string } | undefined;
  return typeof session?.accountId === 'string' ? session.accountId : undefined;
}
