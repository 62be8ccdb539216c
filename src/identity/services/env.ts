import type { Policy } from '../../config/policy.js';
import type { PhoneGateway } from '../../notify/phone-gateway.js';
import type { Db } from '../../storage/database.js';
import type { PasswordHasher } from '../passwords.js';
import type { PortalSessions } from '../portal-sessions.js';

/** What every identity service is built over, once, at start-up (server.ts). */
export interface IdentityEnv {
  db: Db;
  hasher: PasswordHasher;
  policy: Policy;
  /** The issuer URL, for links in mails. */
  issuer: string;
  /** Where texts and calls go (Twilio, or the dev outbox). */
  phone: PhoneGateway;
  /** The account's sessions in the protocol store, and the portals signed in on them. */
  portals: PortalSessions;
}
