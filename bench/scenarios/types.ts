import type { Http } from '../http.js';

export interface ScenarioContext {
  http: Http;
  /** Scenario-specific inputs from the orchestrator (tokens, logins, a hash). */
  params: Record<string, unknown>;
}

/** One operation of a scenario, run by virtual user `vu`; throws when it was not served. */
export type Operation = (vu: number) => Promise<void>;
export type Scenario = (ctx: ScenarioContext) => Operation | Promise<Operation>;

export function stringList(params: Record<string, unknown>, name: string): string[] {
  const list = params[name];
  if (!Array.isArray(list) || list.length === 0) throw new Error(`scenario needs params.${name}`);
  return list as string[];
}
