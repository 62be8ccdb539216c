import type { LegacyLinkSettings } from '../../config/clients.js';
import type { AuditOrigin } from '../audit.js';
import { settleLegacyGuess, takeLegacyGuess } from '../legacy/guess-limits.js';
import { linkSubject } from '../legacy/links.js';
import { checkLegacyCredentials } from '../legacy/verify-credentials.js';
import type { IdentityEnv } from './env.js';

export type LegacyLinkOutcome = 'linked' | 'paused' | 'unavailable' | 'wrong' | 'subject_taken';

/**
 * The `link_legacy` step: the old system's credentials, checked under the guessing limits
 * (legacy/guess-limits.ts), and the old subject linked to the ID when they are right.
 */
export function legacyLinkService(env: IdentityEnv) {
  const { db, hasher } = env;
  return {
    async link(accountId: string, link: LegacyLinkSettings, credentials: { username: string; password: string }, origin: AuditOrigin & { ip: string }): Promise<LegacyLinkOutcome> {
      const guess = { accountId, system: link.system, username: credentials.username, ip: origin.ip };
      const taken = await takeLegacyGuess(db, guess);
      if (!taken) return 'paused';
      const check = await checkLegacyCredentials(db, hasher, link, credentials.username, credentials.password);
      if (!check.ok) {
        await settleLegacyGuess(db, guess, taken, check.reason, origin);
        return check.reason;
      }
      const linked = await linkSubject(db, accountId, link.system, check.subject, origin, link.displayName);
      // A subject linked to another ID: the guess stays counted, as the route always left it.
      if (!linked.ok) return 'subject_taken';
      await settleLegacyGuess(db, guess, taken, 'right');
      return 'linked';
    },
  };
}
