import type { HttpVerifier } from '../config/http-verifier.js';

/** What a verifier said: its status and, on 200, its JSON body (undefined when not JSON). */
export interface VerifierReply {
  status: number;
  body?: unknown;
}

/**
 * POSTs `payload` as JSON with the verifier's secret as a bearer token. Undefined when no
 * answer came in time (refused, reset, timed out, redirected): the caller says "unavailable".
 * The timeout covers reading the body too. Neither the payload nor the secret is logged here.
 */
export async function askVerifier(verifier: HttpVerifier, payload: unknown): Promise<VerifierReply | undefined> {
  try {
    const response = await fetch(verifier.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${verifier.secret}` },
      body: JSON.stringify(payload),
      redirect: 'error',
      signal: AbortSignal.timeout(verifier.timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return { status: response.status };
    }
    return { status: 200, body: await response.json().catch((error: unknown) => rethrowTimeout(error)) };
  } catch {
    return undefined;
  }
}

/** A body that is not JSON is an answer (a bad one); a body cut off by the timeout is none. */
function rethrowTimeout(error: unknown): undefined {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) throw error;
  return undefined;
}
