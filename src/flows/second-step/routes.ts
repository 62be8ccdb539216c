import type Router from '@koa/router';
import type { FlowDeps } from '../deps.js';
import { enrolRoutes } from './enrol-routes.js';
import { methodRoutes } from './method-routes.js';

/** The second step after the password: the registry's methods, then enrolment. */
export function secondStepRoutes(router: Router, deps: FlowDeps): void {
  methodRoutes(router, deps);
  enrolRoutes(router, deps);
}
