import { acrRank, meetsAcr, type Acr } from '../identity/second-step/assurance.js';
import type { Account } from '../storage/schema.js';
import { authenticatorApp } from './authenticator-app.js';
import { emailCode } from './email-code.js';
import { passkey } from './passkey.js';
import { phone } from './phone.js';
import { securityQuestions } from './security-questions.js';
import type { Enrolled, MethodEnv, MethodPage, MethodStep, SecondStepMethod, StepMessages, Verified } from './types.js';

export type { Enrolled, MethodEnrolment, MethodEnv, MethodPage, MethodStep, SecondStepMethod, StepMessages, Verified } from './types.js';

/** Every second-step method Portico has; the policy's second_step.methods picks among them. */
export const SECOND_STEP_METHODS: readonly SecondStepMethod[] = [emailCode, securityQuestions, authenticatorApp, passkey, phone];

export interface MethodRegistry {
  readonly all: readonly SecondStepMethod[];
  byId(id: string): SecondStepMethod | undefined;
  byPath(path: string): SecondStepMethod | undefined;
  /**
   * The policy's methods this account can use now, in the policy's order; the fallback method
   * when none fit (a questions-only policy and an account without answers).
   */
  offered(env: MethodEnv, account: Account): Promise<SecondStepMethod[]>;
  /**
   * The method this account must set up before its sign-in ends, if any: one the policy
   * requires and the account lacks. `offered` (this sign-in's methods) are set up already.
   */
  enrolmentDue(env: MethodEnv, account: Account, offered: readonly SecondStepMethod[]): Promise<SecondStepMethod | undefined>;
  /**
   * A method the policy lists that an account can set up in a sign-in to reach `level`, the
   * weakest such first; undefined when none can (no such method, or the policy leaves it out).
   */
  enrolmentReaching(env: MethodEnv, level: Acr): SecondStepMethod | undefined;
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
      // Array.prototype.sort is stable: equal strengths keep the policy's order.
      offered.sort((a, b) => (b.strength ?? 0) - (a.strength ?? 0));
      return offered.length > 0 ? offered : [fallback];
    },
    async enrolmentDue(env, account, offered) {
      for (const method of list) {
        if (method.enrol?.required(env) && !offered.includes(method) && !(await method.enrol.isEnrolled(env, account))) return method;
      }
      return undefined;
    },
    enrolmentReaching(env, level) {
      const listed = env.config.policy.second_step.methods;
      const fit = list.filter((m) => m.enrol && listed.includes(m.id) && meetsAcr(m.acr, level));
      return fit.sort((a, b) => acrRank(a.acr) - acrRank(b.acr))[0];
    },
    policyProblem(ids) {
      const i = ids.findIndex((id) => !byId.has(id));
      return i < 0 ? undefined : `second_step.methods[${i}]: unknown method "${ids[i]}" (known: ${[...byId.keys()].join(', ')})`;
    },
  };
}

/** A method with its stores bound: what pages call, so that they never hold a database handle. */
export interface BoundMethod {
  readonly method: SecondStepMethod;
  start(step: MethodStep): Promise<void>;
  render(step: MethodStep, after?: 'post'): Promise<MethodPage>;
  verify(step: MethodStep, form: Record<string, unknown>): Promise<Verified>;
  act(name: string, step: MethodStep): Promise<{ messages: StepMessages; status: number }>;
  succeeded(step: MethodStep): Promise<void>;
  enrolPage(step: MethodStep): Promise<MethodPage>;
  enrol(step: MethodStep, form: Record<string, unknown>): Promise<Enrolled>;
}

/** The registry's methods over one environment, built once at start-up (server.ts). */
export interface BoundMethods {
  readonly all: readonly SecondStepMethod[];
  byId(id: string): SecondStepMethod | undefined;
  of(method: SecondStepMethod): BoundMethod;
  offered(account: Account): Promise<SecondStepMethod[]>;
  enrolmentDue(account: Account, offered: readonly SecondStepMethod[]): Promise<SecondStepMethod | undefined>;
  enrolmentReaching(level: Acr): SecondStepMethod | undefined;
}

export function bindMethods(registry: MethodRegistry, env: MethodEnv): BoundMethods {
  const bound = new Map<SecondStepMethod, BoundMethod>(
    registry.all.map((method) => [
      method,
      {
        method,
        start: async (step) => void (await method.start?.(env, step)),
        render: (step, after) => method.render(env, step, after),
        verify: (step, form) => method.verify(env, step, form),
        act: (name, step) => method.actions![name]!(env, step),
        succeeded: async (step) => void (await method.succeeded?.(env, step)),
        enrolPage: async (step) => method.enrol!.render(env, step),
        enrol: (step, form) => method.enrol!.submit(env, step, form),
      },
    ]),
  );
  return {
    all: registry.all,
    byId: registry.byId,
    of: (method) => bound.get(method)!,
    offered: (account) => registry.offered(env, account),
    enrolmentDue: (account, offered) => registry.enrolmentDue(env, account, offered),
    enrolmentReaching: (level) => registry.enrolmentReaching(env, level),
  };
}
