import type Router from '@koa/router';
import type { FlowDeps } from '../deps.js';
import { againRoutes } from './again-routes.js';
import { enrolRoutes } from './enrol-routes.js';
import { methodRoutes } from './method-routes.js';

/** The second step after the password: the registry's methods, then setting one up again, then enrolment. */
export function secondStepRoutes(router: Router, deps: FlowDeps): void {
  methodRoutes(router, deps);
  againRoutes(router, deps);
  enrolRoutes(router, deps);
}
