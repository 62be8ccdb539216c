import type { IdentityEnv } from './env.js';
import { signInService } from './sign-in.js';
import { registrationService } from './registration.js';

export type { IdentityEnv } from './env.js';

/**
 * Portico's domain as services built once at start-up over the stores and the policy, the way
 * Logto builds its queries per tenant: pages call these and never hold a database handle.
 * One line per area.
 */
export function createIdentity(env: IdentityEnv) {
  return {
    signIn: signInService(env),
    registration: registrationService(env),
  };
}

export type Identity = ReturnType<typeof createIdentity>;
