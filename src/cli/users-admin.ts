import { describeAccount, findForOperator, operatorAction, type AccountReport, type OperatorAction } from '../identity/account-admin.js';
import { UsageError } from './args.js';
import type { CommandContext } from './context.js';

/** `portico users <verb> <username|email>`: what the help desk does (issue 4, item 5). */
export const ADMIN_VERBS: Record<string, OperatorAction | 'show'> = {
  show: 'show',
  unlock: 'unlock',
  enable: 'enable',
  disable: 'disable',
  'forget-devices': 'forget_devices',
  'reset-security-questions': 'reset_security_questions',
};

/** What each action says it did, and what it says when there was nothing to do. */
const SAID: Record<OperatorAction, [done: string, nothing: string]> = {
  unlock: ['unlocked', 'was not locked'],
  enable: ['enabled', 'was not disabled'],
  disable: ['disabled', 'was already disabled'],
  forget_devices: ['forgot the remembered devices of', 'had no remembered devices'],
  reset_security_questions: ['reset the security questions of', 'had no security questions'],
};

const when = (date: Date | null) => (date ? date.toISOString() : 'never');

function reportLines(r: AccountReport): string[] {
  const status = r.status === 'active' ? 'active' : `disabled (${r.lockReason ?? 'no reason recorded'}, since ${when(r.lockedAt)})`;
  return [
    `username:            ${r.username}`,
    `id:                  ${r.id}`,
    `email:               ${r.email} (${r.emailVerified ? 'verified' : 'not verified'})`,
    `account type:        ${r.accountType}`,
    `status:              ${status}`,
    `failed sign-ins:     ${r.failedPasswords} password, ${r.failedAnswers} security answers`,
    `last sign-in:        ${when(r.lastSignInAt)}`,
    `security questions:  ${r.securityQuestionsSet ? 'set' : 'not set'}`,
    `trusted devices:     ${r.trustedDevices.length}`,
    ...r.trustedDevices.map((d) => `  ${d.label}: added ${when(d.createdAt)}, last used ${when(d.lastUsedAt)}, expires ${when(d.expiresAt)}`),
  ];
}

export async function usersAdmin(verb: string, args: string[], ctx: CommandContext, operator: string): Promise<number> {
  const action = ADMIN_VERBS[verb]!;
  const [login, ...extra] = args;
  if (!login || extra.length > 0) throw new UsageError(`usage: portico users ${verb} <username|email>`);
  const db = await ctx.db();
  const account = await findForOperator(db, login);
  if (!account) {
    ctx.err(`no ID with username or email "${login}"`);
    return 1;
  }
  if (action === 'show') {
    for (const line of reportLines(await describeAccount(db, account))) ctx.out(line);
    return 0;
  }
  const changed = await operatorAction(db, account, action, operator);
  const [done, nothing] = SAID[action];
  ctx.out(changed ? `${done} ${account.username}` : `${account.username} ${nothing}`);
  return 0;
}
