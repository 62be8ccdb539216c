import { z } from 'zod';

/**
 * An HTTP endpoint Portico asks a yes-or-no question about a person (a portal's old
 * credentials, a plan's member records): POST JSON, the secret from the environment as a
 * bearer token, an answer within the timeout or none.
 */
export const httpVerifierShape = {
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }),
  secret_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name'),
  timeout_ms: z.number().int().min(100).max(30_000).default(5000),
};

export interface HttpVerifier {
  url: string;
  secretEnv: string;
  timeoutMs: number;
  /** Read from the environment only by the server and `clients check` (client-secrets.ts). */
  secret?: string;
}

export function httpVerifierSettings(parsed: { url: string; secret_env: string; timeout_ms: number }): HttpVerifier {
  return { url: parsed.url, secretEnv: parsed.secret_env, timeoutMs: parsed.timeout_ms };
}
