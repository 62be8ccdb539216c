import { decideOrganization, isOrganizationStatus, listOrganizations, ORGANIZATION_STATUSES, showOrganization, suspendOrganization } from '../identity/organizations/operator.js';
import { parseFlags, UsageError } from './args.js';
import type { CommandContext } from './context.js';
import { usageOf, type CommandSpec } from './spec.js';
import { operatorOf } from './users.js';

/*
 * `portico orgs ...`: the requests to register organisations, and the operator's decision.
 * The Tax ID is printed as its last four digits only, as everywhere else.
 */

const last4 = (digits: string) => `Tax ID ending ${digits}`;

export const orgsList: CommandSpec = {
  path: ['orgs', 'list'],
  args: '[--status pending|approved|rejected|suspended]',
  summary: 'list organisations, oldest first (with --status pending: the requests to decide)',
  options: [['--status S', `only those with this status (${ORGANIZATION_STATUSES.join(', ')})`]],
  example: 'portico orgs list --status pending',
  database: true,
  checkArgs(args) {
    const { status } = parseFlags(args, { status: { type: 'string' } });
    if (status !== undefined && !isOrganizationStatus(status)) throw new UsageError(`--status: unknown status "${status}" (${ORGANIZATION_STATUSES.join(', ')})`);
  },
  async run(args, ctx) {
    const { status } = parseFlags(args, { status: { type: 'string' } });
    const orgs = await listOrganizations(await ctx.db(), isOrganizationStatus(status) ? status : undefined);
    if (orgs.length === 0) ctx.out(status ? `no ${status} organisations` : 'no organisations');
    for (const o of orgs) ctx.out(`${o.id}\t${o.status}\t${o.kind}\t${o.legalName}\t${last4(o.taxIdLast4)}\trequested ${o.createdAt.toISOString()}`);
    return 0;
  },
};

/** The organisation id, the one positional argument; throws UsageError. */
function idOf(spec: CommandSpec, args: string[]): string {
  const [id] = args;
  if (args.length !== 1 || !id || id.startsWith('-')) throw new UsageError(usageOf(spec));
  return id;
}

export const orgsShow: CommandSpec = {
  path: ['orgs', 'show'],
  args: '<id>',
  summary: 'show one organisation: its details, who asked for it, its decision',
  example: 'portico orgs show 2f1c9a7e-5d4b-4a8e-9c1f-0b6d3e2a7f10',
  database: true,
  checkArgs: (args) => void idOf(orgsShow, args),
  async run(args, ctx) {
    const id = idOf(orgsShow, args);
    const org = await showOrganization(await ctx.db(), id);
    if (!org) {
      ctx.err(`no organisation with id "${id}"`);
      return 1;
    }
    const lines: Array<[string, string]> = [
      ['id', org.id],
      ['legal name', org.legalName],
      ['kind', org.kind],
      ['tax id', last4(org.taxIdLast4)],
      ['address', org.address],
      ['phone', org.phone],
      ['status', org.status],
      ['requested', `${org.createdAt.toISOString()} by ${org.requester ? `${org.requester.username} <${org.requester.email}>` : org.createdBy}`],
      ...(org.decidedAt ? ([['decided', `${org.decidedAt.toISOString()} by ${org.decidedBy}`]] as Array<[string, string]>) : []),
      ...(org.reason ? ([['reason', org.reason]] as Array<[string, string]>) : []),
      ['members', String(org.members)],
      ['join requests', `${org.pendingJoinRequests} pending`],
    ];
    for (const [name, value] of lines) ctx.out(`${`${name}:`.padEnd(15)}${value}`);
    return 0;
  },
};

async function decide(ctx: CommandContext, id: string, approve: boolean, reason?: string): Promise<number> {
  const outcome = await decideOrganization(await ctx.db(), id, approve, operatorOf(ctx), reason);
  if (!outcome.ok) {
    ctx.err(outcome.reason === 'not_found' ? `no organisation with id "${id}"` : `the organisation is already ${outcome.status}`);
    return 1;
  }
  const who = outcome.requesterId ? '; the requester was mailed' : '';
  ctx.out(approve ? `approved ${id}${outcome.requesterId ? ', its requester is now its administrator' : ''}${who}` : `rejected ${id}${who}`);
  return 0;
}

export const orgsApprove: CommandSpec = {
  path: ['orgs', 'approve'],
  args: '<id>',
  summary: 'approve a pending organisation: the person who asked becomes its administrator',
  details: ['Mails the requester, in their language, and writes the audit event operator.org_approve naming the operator.'],
  example: 'portico orgs approve 2f1c9a7e-5d4b-4a8e-9c1f-0b6d3e2a7f10',
  database: true,
  checkArgs: (args) => void idOf(orgsApprove, args),
  run: (args, ctx) => decide(ctx, idOf(orgsApprove, args), true),
};

const reasonFlags = { reason: { type: 'string' } } as const;

/** `<id> --reason "..."`: `who` says who reads the reason, for the usage error. Throws UsageError. */
function parseWithReason(spec: CommandSpec, args: string[], who: string): { id: string; reason: string } {
  const [id, ...rest] = args;
  if (!id || id.startsWith('-')) throw new UsageError(usageOf(spec));
  const reason = parseFlags(rest, reasonFlags).reason?.trim();
  if (!reason) throw new UsageError(`--reason: say why, in words ${who}`);
  if (reason.length > 500 || /[\r\n]/.test(reason)) throw new UsageError('--reason: one line of at most 500 characters');
  return { id, reason };
}

const parseReject = (args: string[]) => parseWithReason(orgsReject, args, 'the requester will read in the mail');
const parseSuspend = (args: string[]) => parseWithReason(orgsSuspend, args, 'other operators will read in the audit log');

export const orgsReject: CommandSpec = {
  path: ['orgs', 'reject'],
  args: '<id> --reason "..."',
  summary: 'reject a pending organisation, with the reason its requester reads',
  details: ['Mails the requester the reason, in their language, and writes the audit event operator.org_reject naming the operator.'],
  options: [['--reason R', 'why, one line, as the requester will read it']],
  example: 'portico orgs reject 2f1c9a7e-5d4b-4a8e-9c1f-0b6d3e2a7f10 --reason "The Tax ID does not match the legal name."',
  database: true,
  checkArgs: (args) => void parseReject(args),
  run: (args, ctx) => {
    const { id, reason } = parseReject(args);
    return decide(ctx, id, false, reason);
  },
};

async function suspend(ctx: CommandContext, id: string, suspending: boolean, reason?: string): Promise<number> {
  const outcome = await suspendOrganization(await ctx.db(), id, suspending, operatorOf(ctx), reason);
  if (!outcome.ok) {
    ctx.err(outcome.reason === 'not_found' ? `no organisation with id "${id}"` : `the organisation is ${outcome.status}: only ${suspending ? 'an approved one can be suspended' : 'a suspended one can be reinstated'}`);
    return 1;
  }
  ctx.out(suspending ? `suspended ${id}: its members no longer see it in their tokens` : `reinstated ${id}: it is approved again`);
  return 0;
}

export const orgsSuspend: CommandSpec = {
  path: ['orgs', 'suspend'],
  args: '<id> --reason "..."',
  summary: 'suspend an approved organisation: it leaves its members\' tokens and its administrators can do nothing with it',
  details: ['Memberships are kept for a reinstatement. Writes the audit event operator.org_suspend naming the operator and the reason.'],
  options: [['--reason R', 'why, one line, kept with the organisation and in the audit log']],
  example: 'portico orgs suspend 2f1c9a7e-5d4b-4a8e-9c1f-0b6d3e2a7f10 --reason "The plan ended its contract."',
  database: true,
  checkArgs: (args) => void parseSuspend(args),
  run: (args, ctx) => {
    const { id, reason } = parseSuspend(args);
    return suspend(ctx, id, true, reason);
  },
};

export const orgsReinstate: CommandSpec = {
  path: ['orgs', 'reinstate'],
  args: '<id>',
  summary: 'reinstate a suspended organisation: approved again, as it was',
  details: ['Writes the audit event operator.org_reinstate naming the operator.'],
  example: 'portico orgs reinstate 2f1c9a7e-5d4b-4a8e-9c1f-0b6d3e2a7f10',
  database: true,
  checkArgs: (args) => void idOf(orgsReinstate, args),
  run: (args, ctx) => suspend(ctx, idOf(orgsReinstate, args), false),
};

export const orgsCommands: CommandSpec[] = [orgsList, orgsShow, orgsApprove, orgsReject, orgsSuspend, orgsReinstate];
