import { defineFlow } from './machine.js';
import type { Flow } from './flow-record.js';

/**
 * The account page of one signed-in browser, keyed by an id its account-page cookie carries.
 * Made when the page's sign-in comes back (`signing_in` has no record). Two things on the page
 * take more than one request: a sensitive change outside the recent-sign-in window sends the
 * person to type the password again (`reauthenticating`, until the sign-in comes back), and an
 * email change waits for the code sent to the new address (`email_pending`, whose address the
 * page shows). A pending change waits through that detour (`reauthenticating_email`), so the
 * sign-in coming back returns to it. Signing out deletes the record. Diagram: settings.md.
 */
export const settingsFlow = defineFlow({
  kind: 'settings',
  initial: 'signing_in',
  final: ['signed_out'],
  discard: ['signed_out'],
  ttlSeconds: 30 * 60,
  transitions: {
    signing_in: { signed_in: 'active' },
    active: { email_requested: 'email_pending', reauth_required: 'reauthenticating', signed_out: 'signed_out' },
    email_pending: { email_requested: 'email_pending', email_confirmed: 'active', reauth_required: 'reauthenticating_email', signed_out: 'signed_out' },
    reauthenticating: { reauth_required: 'reauthenticating', reauthenticated: 'active', signed_out: 'signed_out' },
    reauthenticating_email: { reauth_required: 'reauthenticating_email', reauthenticated: 'email_pending', signed_out: 'signed_out' },
    signed_out: {},
  },
});

export type SettingsState = keyof typeof settingsFlow.transitions;
export type SettingsEvent = { [S in SettingsState]: keyof (typeof settingsFlow.transitions)[S] }[SettingsState];
export interface SettingsData {
  /** The address a code went to, while the change waits for it. */
  pendingEmail?: string;
}
export type SettingsFlow = Flow<SettingsState, SettingsData>;
