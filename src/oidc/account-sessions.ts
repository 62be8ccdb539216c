import type Provider from 'oidc-provider';
import type { Logger } from '../log.js';
import type { PortalSessions } from '../identity/portal-sessions.js';
import type { AdapterFactory, AdapterPayload } from './adapters/index.js';

/*
 * What oidc-provider does for one session at RP-initiated logout (its end_session action:
 * Client#backchannelLogout per signed-in client), done for every session of an account when the
 * help desk disables the ID, ends its sessions or deletes it. Sessions are found through the
 * adapters' account index (adapters/types.ts accountModels).
 */

type Authorizations = Record<string, { sid?: string }>;

interface LogoutClient {
  clientId: string;
  backchannelLogoutUri?: string;
  /** Signs a logout token with the provider's keys and POSTs it (OIDC Back-Channel Logout 1.0 §2.5), within its own timeout. */
  backchannelLogout(sub: string, sid: string | undefined): Promise<void>;
}

/** The portals signed in on these sessions, once per client and session id. */
function signedIn(sessions: AdapterPayload[]): Array<{ clientId: string; sid: string | undefined }> {
  const seen = new Map<string, { clientId: string; sid: string | undefined }>();
  for (const session of sessions) {
    for (const [clientId, authorization] of Object.entries((session.authorizations ?? {}) as Authorizations)) {
      seen.set(`${clientId}\u0000${authorization.sid ?? ''}`, { clientId, sid: authorization.sid });
    }
  }
  return [...seen.values()];
}

/** A failed delivery, logged with the portal and the reason: never the token. */
function logFailure(log: Logger, clientId: string, error: unknown): void {
  const reason = error instanceof Error ? (error.name === 'TimeoutError' ? 'timed out' : error.message) : String(error);
  log.warn({ client: clientId, reason }, 'back-channel logout not delivered');
}

export function accountSessions(provider: () => Provider, adapter: AdapterFactory, log: Logger): PortalSessions {
  const sessions = adapter('Session');
  const grants = adapter('Grant');

  async function tell(accountId: string, portals: Array<{ clientId: string; sid: string | undefined }>): Promise<void> {
    const { Client } = provider();
    await Promise.all(
      portals.map(async ({ clientId, sid }) => {
        try {
          const client = (await Client.find(clientId)) as unknown as LogoutClient | undefined;
          if (client?.backchannelLogoutUri) await client.backchannelLogout(accountId, sid);
        } catch (error) {
          logFailure(log, clientId, error);
        }
      }),
    );
  }

  return {
    async endAll(accountId) {
      try {
        const found = await sessions.findByAccount(accountId);
        await Promise.all(found.map((session) => (typeof session.jti === 'string' ? sessions.destroy(session.jti) : undefined)));
        // Sent without the caller waiting: a slow portal must not hold up the help desk.
        void tell(accountId, signedIn(found));
      } catch (error) {
        log.error({ err: error }, 'sessions of an account not ended in the protocol store');
      }
    },

    async forgetGrants(accountId) {
      for (const grant of await grants.findByAccount(accountId)) {
        if (typeof grant.jti !== 'string') continue;
        await grants.revokeByGrantId(grant.jti);
        await grants.destroy(grant.jti);
      }
      await grants.forgetAccount(accountId);
    },
  };
}
