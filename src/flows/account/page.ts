import type { Context } from 'koa';
import { sendPage } from '../../web/render.js';
import type { FlowDeps } from '../deps.js';
import { passwordHints } from '../register/rule-hints.js';
import type { Text } from '../../i18n/index.js';
import { accountBinding, type AccountPlace } from './place.js';
import { authenticatorAppSection } from './authenticator-app-section.js';
import { passkeySection } from './passkey-section.js';
import { phoneSection } from './phone-section.js';

export interface AccountMessages {
  /** Which section the messages belong to, so the page can put them beside its fields. */
  section?: 'name' | 'password' | 'email' | 'questions' | 'devices';
  notice?: Text;
  errors?: Record<string, Text>;
  values?: Record<string, string>;
}

export async function renderAccount(ctx: Context, deps: FlowDeps, place: AccountPlace, messages: AccountMessages = {}, status = 200): Promise<void> {
  const { account } = place;
  const { pendingEmail, devices } = await deps.identity.account.view(account, place.flow);
  const questions = deps.config.policy.registration.security_questions;
  sendPage(ctx, deps.renderer, 'account', {
    givenName: account.given_name,
    familyName: account.family_name,
    username: account.username,
    email: account.email,
    emailVerified: account.email_verified_at !== null,
    pendingEmail,
    authenticatorApp: await authenticatorAppSection(deps, account.id),
    passkeys: await passkeySection(deps, account.id),
    phone: await phoneSection(deps, account.id),
    devices: devices.map((d) => ({ id: d.id, label: d.label, lastUsed: d.last_used_at.toISOString().slice(0, 10) })),
    csrf: deps.csrf.token(accountBinding(account.id)),
    passwordHints: passwordHints(deps.config.policy.password),
    questions: questions.questions,
    questionCount: questions.count,
    answerMinLength: questions.answer_min_length,
    section: messages.section,
    notice: messages.notice,
    errors: messages.errors ?? {},
    values: messages.values ?? {},
  }, status);
}
