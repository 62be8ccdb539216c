import { methodIdsFor } from '../config/policy-sign-in.js';
import type { Account } from '../storage/schema.js';
import type { MethodEnv } from './types.js';

/**
 * Whether the policy lists method `id`: for this account's type when the account is known (the
 * account pages, a sign-in past its password), else on the policy's own list (a page before
 * anyone is known).
 */
export function listedFor(env: Pick<MethodEnv, 'config'>, id: string, account?: Pick<Account, 'account_type'>): boolean {
  const { second_step: secondStep } = env.config.policy;
  return (account ? methodIdsFor(secondStep, account) : secondStep.methods).includes(id);
}
