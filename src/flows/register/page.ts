import type { Context } from 'koa';
import type { FieldErrors } from '../../identity/registration/validate.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { passwordHints, usernameHints } from './rule-hints.js';

/** Where the form is: inside an authorization (back to the portal afterwards) or on its own. */
export interface RegisterPlace {
  action: string;
  csrf: string;
  signInUrl: string;
  cancelUrl?: string;
  clientName?: string;
}

/** Labels for the error summary at the top of the page, which links to each field. */
const LABELS: Record<string, string> = {
  givenName: 'First name',
  familyName: 'Last name',
  birthYear: 'Year of birth',
  email: 'Email address',
  username: 'Username',
  password: 'Password',
  confirmPassword: 'Type password again',
  terms: 'Terms of Use',
};

function summary(errors: FieldErrors): Array<{ field: string; label: string; message: string }> {
  return Object.entries(errors).map(([field, message]) => ({ field, label: LABELS[field] ?? field, message }));
}

export function renderRegister(
  ctx: Context,
  deps: FlowDeps,
  place: RegisterPlace,
  state: { values?: Record<string, string>; errors?: FieldErrors } = {},
  status = 200,
): void {
  const { registration, password } = deps.config.policy;
  const errors = state.errors ?? {};
  sendPage(
    ctx,
    deps.renderer,
    'register',
    {
      ...place,
      values: state.values ?? {},
      errors,
      summary: summary(errors),
      usernameHints: usernameHints(registration.username),
      passwordHints: passwordHints(password),
      minimumAge: registration.minimum_age,
      terms: registration.terms,
    },
    status,
  );
}
