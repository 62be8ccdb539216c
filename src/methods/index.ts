import type { Account } from '../storage/schema.js';
import { emailCode } from './email-code.js';
import { securityQuestions } from './security-questions.js';
import type { MethodEnv, SecondStepMethod } from './types.js';

export type { MethodEnv, MethodStep, SecondStepMethod, StepMessages, Verified } from './types.js';

/** Every second-step method Portico has; the policy's second_step.methods picks among them. */
export const SECOND_STEP_METHODS: readonly SecondStepMethod[] = [emailCode, securityQuestions];

export interface MethodRegistry {
  readonly all: readonly SecondStepMethod[];
  byId(id: string): SecondStepMethod | undefined;
  byPath(path: string): SecondStepMethod | undefined;
  /**
   * The policy's methods this account can use now, in the policy's order; the fallback method
   * when none fit (a questions-only policy and an account without answers).
   */
  offered(env: MethodEnv, account: Account): Promise<SecondStepMethod[]>;
  /** Why the policy's list does not fit this registry (names the field), or undefined. */
  policyProblem(ids: readonly string[]): string | undefined;
}

export function createMethodRegistry(list: readonly SecondStepMethod[] = SECOND_STEP_METHODS): MethodRegistry {
  const byId = new Map(list.map((m) => [m.id, m]));
  const byPath = new Map(list.map((m) => [m.path, m]));
  if (byId.size !== list.length || byPath.size !== list.length) throw new Error('second-step methods need distinct ids and paths');
  const fallback = list.find((m) => m.fallback);
  if (!fallback) throw new Error('one second-step method must be the fallback');
  return {
    all: list,
    byId: (id) => byId.get(id),
    byPath: (path) => byPath.get(path),
    async offered(env, account) {
      const offered: SecondStepMethod[] = [];
      for (const id of env.config.policy.second_step.methods) {
        const method = byId.get(id);
        if (method && (await method.isAvailable(env, account))) offered.push(method);
      }
      return offered.length > 0 ? offered : [fallback];
    },
    policyProblem(ids) {
      const i = ids.findIndex((id) => !byId.has(id));
      return i < 0 ? undefined : `second_step.methods[${i}]: unknown method "${ids[i]}" (known: ${[...byId.keys()].join(', ')})`;
    },
  };
}
