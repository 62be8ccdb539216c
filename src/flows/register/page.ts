import type { Context } from 'koa';
import type { FieldErrors } from '../../identity/registration/validate.js';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { passwordHints, usernameHints } from './rule-hints.js';
import { msg, type Msg, type Text } from '../../i18n/index.js';
import { accountTypeLabel, selfRegistrable } from '../../config/policy-account-types.js';
import { checkGroups, checkLabels } from './check-fields.js';

/** Where the form is: inside an authorization (back to the portal afterwards) or on its own. */
export interface RegisterPlace {
  action: string;
  csrf: string;
  signInUrl: string;
  cancelUrl?: string;
  clientName?: string;
  /** Carried by the form besides its fields (an invitation's token). */
  hidden?: Record<string, string>;
  /** Whose invitation the page was opened from, said above the form. */
  invitedTo?: string;
}

/** Labels for the error summary at the top of the page, which links to each field. */
const LABELS: Record<string, Msg> = {
  accountType: msg('register.account_type'),
  givenName: msg('register.given_name'),
  familyName: msg('register.family_name'),
  birthYear: msg('register.birth_year'),
  email: msg('register.label.email'),
  username: msg('register.label.username'),
  password: msg('register.label.password'),
  confirmPassword: msg('register.confirm_password'),
  terms: msg('register.label.terms'),
  signature: msg('register.label.signature'),
};

function summary(errors: FieldErrors, more: Record<string, Text>): Array<{ field: string; label: Text; message: Text }> {
  return Object.entries(errors).map(([field, message]) => ({ field, label: LABELS[field] ?? more[field] ?? field, message }));
}

export function renderRegister(
  ctx: Context,
  deps: FlowDeps,
  place: RegisterPlace,
  state: { values?: Record<string, string>; errors?: FieldErrors } = {},
  status = 200,
): void {
  const { registration, password, account_types } = deps.config.policy;
  // Asked only when there is a choice; with one self-registrable type the ID simply gets it.
  const offered = selfRegistrable(account_types);
  const errors = state.errors ?? {};
  const identityChecks = checkGroups(account_types);
  sendPage(
    ctx,
    deps.renderer,
    'register',
    {
      ...place,
      values: state.values ?? {},
      errors,
      summary: summary(errors, checkLabels(identityChecks)),
      identityChecks,
      usernameHints: usernameHints(registration.username),
      passwordHints: passwordHints(password),
      minimumAge: registration.minimum_age,
      terms: registration.terms,
      accountTypes: offered.length > 1 ? offered.map((t) => ({ id: t.id, label: accountTypeLabel(t) })) : [],
    },
    status,
  );
}
