import { describeAccount, findForOperator, operatorAction, setAccountType, type AccountReport, type OperatorAction } from '../identity/account-admin.js';
import type { Account } from '../storage/schema.js';
import { UsageError } from './args.js';
import type { CommandContext } from './context.js';
import { usageOf, type CommandSpec } from './spec.js';
import { operatorOf } from './users.js';

/** What each action says it did, and what it says when there was nothing to do. */
const SAID: Record<OperatorAction, [done: string, nothing: string]> = {
  unlock: ['unlocked', 'was not locked'],
  enable: ['enabled', 'was not disabled'],
  disable: ['disabled', 'was already disabled'],
  end_sessions: ['ended every session and token of', 'had nothing to end'],
  forget_devices: ['forgot the remembered devices of', 'had no remembered devices'],
  reset_security_questions: ['reset the security questions of', 'had no security questions'],
  reset_authenticator_app: ['removed the authenticator app of', 'had no authenticator app'],
  reset_passkeys: ['removed the passkeys of', 'had no passkeys'],
  reset_phone: ['removed the phone number of', 'had no phone number'],
  require_password_change: ['will ask for a new password at the next sign-in of', 'already had to change its password'],
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
    `failed sign-ins:     ${r.failedPasswords} password, ${r.failedAnswers} security answers, ${r.failedCodes} authenticator app codes`,
    `last sign-in:        ${when(r.lastSignInAt)}`,
    `security questions:  ${r.securityQuestionsSet ? 'set' : 'not set'}`,
    `authenticator app:   ${r.authenticatorApp ? `set up, ${r.authenticatorApp.recoveryCodesLeft} recovery codes left` : 'not set up'}`,
    `passkeys:            ${r.passkeys.length}`,
    ...r.passkeys.map((p) => `  ${p.name}: added ${when(p.createdAt)}`),
    `phone:               ${r.phoneEnding ? `ending in ${r.phoneEnding}` : 'not set up'}`,
    `trusted devices:     ${r.trustedDevices.length}`,
    ...r.trustedDevices.map((d) => `  ${d.label}: added ${when(d.createdAt)}, last used ${when(d.lastUsedAt)}, expires ${when(d.expiresAt)}`),
  ];
}

/** `portico users <verb> <username|email>`: what the help desk does, one spec per verb. */
function helpDeskCommand(verb: string, action: OperatorAction | 'show', summary: string): CommandSpec {
  const spec: CommandSpec = {
    path: ['users', verb],
    args: '<username|email>',
    summary,
    ...(action === 'show' ? {} : { details: [`Writes the audit event operator.${action} naming the operator.`] }),
    example: `portico users ${verb} jsmith01`,
    database: true,
    run: (args, ctx) => runHelpDesk(spec, action, args, ctx),
  };
  return spec;
}

/** The ID the command names, or undefined once the operator was told there is none. */
async function accountNamed(ctx: CommandContext, login: string): Promise<Account | undefined> {
  const account = await findForOperator(await ctx.db(), login);
  if (!account) ctx.err(`no ID with username or email "${login}"`);
  return account;
}

async function runHelpDesk(spec: CommandSpec, action: OperatorAction | 'show', args: string[], ctx: CommandContext): Promise<number> {
  const [login, ...extra] = args;
  if (!login || extra.length > 0 || login.startsWith('-')) throw new UsageError(usageOf(spec));
  const db = await ctx.db();
  const account = await accountNamed(ctx, login);
  if (!account) return 1;
  if (action === 'show') {
    for (const line of reportLines(await describeAccount(db, account))) ctx.out(line);
    return 0;
  }
  const changed = await operatorAction(db, account, action, operatorOf(ctx), ctx.portals);
  const [done, nothing] = SAID[action];
  ctx.out(changed ? `${done} ${account.username}` : `${account.username} ${nothing}`);
  return 0;
}

export const usersSetType: CommandSpec = {
  path: ['users', 'set-type'],
  args: '<username|email> <type>',
  summary: 'give an ID another account type of the policy (member, provider, ...)',
  details: ['The type must be one the policy file declares in account_types.', 'Writes the audit event operator.set_type naming the operator, with the old and new type.'],
  example: 'portico users set-type jsmith01 provider',
  database: true,
  async run(args, ctx) {
    const [login, type, ...extra] = args;
    if (!login || !type || extra.length > 0 || login.startsWith('-') || type.startsWith('-')) throw new UsageError(usageOf(usersSetType));
    const account = await accountNamed(ctx, login);
    if (!account) return 1;
    const outcome = await setAccountType(await ctx.db(), ctx.config.policy.account_types, account, type, operatorOf(ctx));
    if (!outcome.ok) {
      ctx.err(`unknown account type "${type}" (declared in account_types: ${outcome.declared.join(', ')})`);
      return 1;
    }
    ctx.out(outcome.changed ? `${account.username} is now of type ${type}` : `${account.username} was already of type ${type}`);
    return 0;
  },
};

export const usersHelpDesk: CommandSpec[] = [
  helpDeskCommand('show', 'show', 'status, lock, failed sign-ins, last sign-in, security questions, authenticator app, phone and remembered devices of one ID'),
  helpDeskCommand('unlock', 'unlock', 're-enable a locked or disabled ID and clear its failure counts'),
  helpDeskCommand('enable', 'enable', 'the same as unlock, for an ID an operator disabled'),
  helpDeskCommand('disable', 'disable', 'disable an ID (only the help desk can re-enable it)'),
  helpDeskCommand('end-sessions', 'end_sessions', 'sign the ID out everywhere: every session, access and refresh token from a sign-in before now stops working'),
  helpDeskCommand('forget-devices', 'forget_devices', 'forget its remembered devices: the next sign-in takes the second step'),
  helpDeskCommand('reset-security-questions', 'reset_security_questions', 'delete its answers: new ones are set at the next sign-in'),
  helpDeskCommand('reset-authenticator-app', 'reset_authenticator_app', 'remove its authenticator app and recovery codes (a lost phone); the owner is told by email'),
  helpDeskCommand('reset-passkeys', 'reset_passkeys', 'remove all its passkeys (lost or stolen devices); the owner is told by email'),
  helpDeskCommand('reset-phone', 'reset_phone', 'remove its phone number (lost, or changed without the old one); the owner is told by email'),
  helpDeskCommand('require-password-change', 'require_password_change', 'make the next sign-in ask for a new password, after the current one and the second step'),
  usersSetType,
];
