import { createHash } from 'node:crypto';
import type { BreachCheckPolicy } from '../config/policy-password-breach.js';
import { createLogger, type Logger } from '../log.js';

/*
 * The breach corpus check of NIST SP 800-63B section 3.1.1.2 and OWASP ASVS 4.0 V2.1.7, through
 * Have I Been Pwned's range API (https://haveibeenpwned.com/API/v3#PwnedPasswords): only the
 * first five hex digits of the SHA-1 are sent; the answer lists every "SUFFIX:COUNT" under that
 * prefix and the match is found here. With `Add-Padding: true` the answer is padded with
 * made-up suffixes of count 0, so its size does not tell an observer which prefix was asked.
 */

type Warn = Pick<Logger, 'warn'>;

// The CLI's own process has no server logger: a JSON line on stderr keeps stdout for results.
let log: Warn = createLogger('warn', process.stderr);

/**
 * Where a check that could not be made is reported: the server passes its logger (server.ts).
 * One per process, like the outbound requests it reports on.
 */
export function reportBreachCheckTo(logger: Warn): void {
  log = logger;
}

export type BreachAnswer = 'breached' | 'not_found' | 'unavailable';

function rangeRequest(url: string, prefix: string): string {
  return `${url.replace(/\/+$/, '')}/${prefix}`;
}

/** The count listed for `suffix`, 0 for padding lines and absent suffixes. */
function countOf(body: string, suffix: string): number {
  for (const line of body.split('\n')) {
    const [candidate, count] = line.trim().split(':');
    if (candidate?.toUpperCase() === suffix) return Number.parseInt(count ?? '0', 10) || 0;
  }
  return 0;
}

/**
 * Looks the password up. Fails open: a corpus that cannot be reached in time must not stop
 * people from setting passwords that meet every local rule; the miss is logged, without the
 * password, its hash or the prefix.
 */
export async function lookUpBreach(policy: BreachCheckPolicy, password: string): Promise<BreachAnswer> {
  if (!policy.enabled) return 'not_found';
  const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
  let reason: string;
  try {
    const response = await fetch(rangeRequest(policy.url, sha1.slice(0, 5)), {
      headers: { 'Add-Padding': 'true', 'User-Agent': 'Portico' },
      signal: AbortSignal.timeout(policy.timeout_ms),
    });
    if (response.ok) return countOf(await response.text(), sha1.slice(5)) > 0 ? 'breached' : 'not_found';
    reason = `HTTP ${response.status}`;
    await response.body?.cancel();
  } catch (error) {
    const name = (error as Error)?.name;
    // fetch's cause carries a system code (ECONNREFUSED, ENOTFOUND), never the request's path.
    const code = ((error as Error)?.cause as { code?: unknown } | undefined)?.code;
    reason = name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${policy.timeout_ms} ms` : `unreachable${typeof code === 'string' ? ` (${code})` : ''}`;
  }
  log.warn({ breach_check: { reason } }, 'breached-password check unavailable; the new password was accepted without it');
  return 'unavailable';
}
