import type Router from '@koa/router';
import type { FlowDeps } from '../deps.js';
import { accessCodeRoutes } from './access-code-routes.js';
import { enrolRoutes } from './enrol-routes.js';
import { questionsRoutes } from './questions-routes.js';

/** The second step after the password: access code, security questions, enrolment. */
export function secondStepRoutes(router: Router, deps: FlowDeps): void {
  accessCodeRoutes(router, deps);
  questionsRoutes(router, deps);
  enrolRoutes(router, deps);
}
