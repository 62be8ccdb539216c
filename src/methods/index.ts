import type { Policy } from '../config/policy.js';
import { methodIdsFor } from '../config/policy-sign-in.js';
import { acrRank, meetsAcr, type Acr } from '../identity/second-step/assurance.js';
import type { Account } from '../storage/schema.js';
import { authenticatorApp } from './authenticator-app.js';
import { emailCode } from './email-code.js';
import { passkey } from './passkey.js';
import { phone } from './phone.js';
import { securityQuestions } from './security-questions.js';
import type { Enrolled, MethodEnv, MethodPage, MethodStep, SecondStepMethod, StepMessages, Verified } from './types.js';

export type { Enrolled, MethodEnrolment, MethodEnv, MethodReplacement, MethodPage, MethodStep, SecondStepMethod, StepMessages, Verified } from './types.js';

/** Every second-step method Portico has; the policy's second_step.methods picks among them. */
export const SECOND_STEP_METHODS: readonly SecondStepMethod[] = [emailCode, securityQuestions, authenticatorApp, passkey, phone];

export interface MethodRegistry {
  readonly all: readonly SecondStepMethod[];
  byId(id: string): SecondStepMethod | undefined;
  byPath(path: string): SecondStepMethod | undefined;
  /**
   * The methods the policy lets this account's type use that it can use now, strongest first;
   * the fallback method when none fit (a questions-only policy and an account without answers,
   * or a type that must have an app and has none yet: it proves itself by email, then sets one up).
   */
  offered(env: MethodEnv, account: Account): Promise<SecondStepMethod[]>;
  /**
   * The method this account must set up before its sign-in ends, if any: one the policy
   * requires and the account lacks, or the first of its type's `must_have` that can be set up
   * when it has none of them. `offered` (this sign-in's methods) are set up already.
   */
  enrolmentDue(env: MethodEnv, account: Account, offered: readonly SecondStepMethod[]): Promise<SecondStepMethod | undefined>;
  /**
   * A method the policy lists that an account can set up in a sign-in to reach `level`, the
   * weakest such first; undefined when none can (no such method, or the policy leaves it out).
   */
  enrolmentReaching(env: MethodEnv, level: Acr, account: Account): SecondStepMethod | undefined;
  /**
   * Whether this account must set `method` up again now that a proof stood in for it, with no
   * "Not now": the policy requires every account to have it, or the account's type must have
   * one of a list that names it and the account has none of the others.
   */
  replacementRequired(env: MethodEnv, account: Account, method: SecondStepMethod): Promise<boolean>;
  /** Why the policy's second_step does not fit this registry (names the field), or undefined. */
  policyProblem(secondStep: SecondStepPolicy): string | undefined;
}

type SecondStepPolicy = Policy['second_step'];

/** Lives with the policy's schema, where the domain reads it too (a passkey as the whole sign-in). */
export { methodIdsFor };

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
      for (const id of methodIdsFor(env.config.policy.second_step, account)) {
        const method = byId.get(id);
        if (method && (await method.isAvailable(env, account))) offered.push(method);
      }
      // Array.prototype.sort is stable: equal strengths keep the policy's order.
      offered.sort((a, b) => (b.strength ?? 0) - (a.strength ?? 0));
      return offered.length > 0 ? offered : [fallback];
    },
    async enrolmentDue(env, account, offered) {
      const ownList = env.config.policy.second_step.account_types[account.account_type];
      for (const method of list) {
        // A type with its own list is never made to set up a method it may not use.
        if (ownList?.methods && !ownList.methods.includes(method.id)) continue;
        if (method.enrol?.required(env) && !offered.includes(method) && !(await method.enrol.isEnrolled(env, account))) return method;
      }
      const mustHave = (ownList?.must_have ?? []).map((id) => byId.get(id)!);
      for (const method of mustHave) {
        if (offered.includes(method) || (await method.isAvailable(env, account))) return undefined;
      }
      return mustHave.find((m) => m.enrol);
    },
    enrolmentReaching(env, level, account) {
      const listed = methodIdsFor(env.config.policy.second_step, account);
      const fit = list.filter((m) => m.enrol && listed.includes(m.id) && meetsAcr(m.acr, level));
      return fit.sort((a, b) => acrRank(a.acr) - acrRank(b.acr))[0];
    },
    async replacementRequired(env, account, method) {
      if (!methodIdsFor(env.config.policy.second_step, account).includes(method.id)) return false;
      if (method.enrol?.required(env)) return true;
      const mustHave = env.config.policy.second_step.account_types[account.account_type]?.must_have ?? [];
      if (!mustHave.includes(method.id)) return false;
      for (const id of mustHave) {
        if (id !== method.id && (await byId.get(id)!.isAvailable(env, account))) return false;
      }
      return true;
    },
    policyProblem(secondStep) {
      const unknown = (field: string, ids: readonly string[]) => {
        const i = ids.findIndex((id) => !byId.has(id));
        return i < 0 ? undefined : `${field}[${i}]: unknown method "${ids[i]}" (known: ${[...byId.keys()].join(', ')})`;
      };
      const problem = unknown('second_step.methods', secondStep.methods);
      if (problem) return problem;
      for (const [type, own] of Object.entries(secondStep.account_types)) {
        const field = `second_step.account_types.${type}`;
        const ownProblem = unknown(`${field}.methods`, own.methods ?? []) ?? unknown(`${field}.must_have`, own.must_have ?? []);
        if (ownProblem) return ownProblem;
        const usable = own.methods ?? secondStep.methods;
        const i = (own.must_have ?? []).findIndex((id) => !usable.includes(id));
        if (i >= 0) return `${field}.must_have[${i}]: "${own.must_have![i]}" is not among the methods this type may use`;
        if (own.must_have && !own.must_have.some((id) => byId.get(id)!.enrol)) {
          return `${field}.must_have: none of these can be set up during a sign-in (list one of: ${list.filter((m) => m.enrol).map((m) => m.id).join(', ')})`;
        }
      }
      return undefined;
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
  againPage(step: MethodStep): Promise<MethodPage>;
  again(step: MethodStep, form: Record<string, unknown>): Promise<Enrolled>;
}

/** The registry's methods over one environment, built once at start-up (server.ts). */
export interface BoundMethods {
  readonly all: readonly SecondStepMethod[];
  byId(id: string): SecondStepMethod | undefined;
  of(method: SecondStepMethod): BoundMethod;
  offered(account: Account): Promise<SecondStepMethod[]>;
  enrolmentDue(account: Account, offered: readonly SecondStepMethod[]): Promise<SecondStepMethod | undefined>;
  enrolmentReaching(level: Acr, account: Account): SecondStepMethod | undefined;
  replacementRequired(account: Account, method: SecondStepMethod): Promise<boolean>;
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
        againPage: (step) => method.again!.render(env, step),
        again: (step, form) => method.again!.submit(env, step, form),
      },
    ]),
  );
  return {
    all: registry.all,
    byId: registry.byId,
    of: (method) => bound.get(method)!,
    offered: (account) => registry.offered(env, account),
    enrolmentDue: (account, offered) => registry.enrolmentDue(env, account, offered),
    enrolmentReaching: (level, account) => registry.enrolmentReaching(env, level, account),
    replacementRequired: (account, method) => registry.replacementRequired(env, account, method),
  };
}
