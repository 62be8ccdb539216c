import { Readable } from 'node:stream';
import { z } from 'zod';
import type { AuditFilter, AuditRecord } from '../identity/audit-search.js';
import { route, type AnyRoute } from './route.js';
import { cursorSchema, limitSchema, pageSchema } from './pages.js';

const filterFields = {
  account: z.string().min(1).max(100).optional().describe('Events about this ID (its id)'),
  actor: z.string().min(1).max(300).optional().describe('account:<id>, operator:<name>, client:<admin client id> or anonymous'),
  action: z.string().regex(/^[a-z0-9_.]+(\.\*)?$/, 'must be an action such as operator.unlock, or a prefix such as operator.*').max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('Events at or after this instant'),
  until: z.iso.datetime({ offset: true }).optional().describe('Events before this instant'),
};

const auditEvent = z.object({
  id: z.string(),
  occurred_at: z.iso.datetime(),
  action: z.string(),
  actor: z.string(),
  account_id: z.string().nullable(),
  client_id: z.string().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

type Filters = { [K in keyof typeof filterFields]?: string };

const filterOf = (q: Filters): AuditFilter => ({
  account: q.account,
  actor: q.actor,
  action: q.action,
  since: q.since === undefined ? undefined : new Date(q.since),
  until: q.until === undefined ? undefined : new Date(q.until),
});

const event = (e: AuditRecord): z.output<typeof auditEvent> => ({
  id: e.id,
  occurred_at: e.occurredAt.toISOString(),
  action: e.action,
  actor: e.actor,
  account_id: e.accountId,
  client_id: e.clientId,
  ip: e.ip,
  user_agent: e.userAgent,
  details: e.details,
});

const CSV_COLUMNS = ['id', 'occurred_at', 'action', 'actor', 'account_id', 'client_id', 'ip', 'user_agent', 'details'] as const;

/**
 * RFC 4180 quoting; a cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first)
 * is prefixed with ' (OWASP "CSV Injection"): user agents and details are what callers typed.
 */
function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (e: z.output<typeof auditEvent>) => `${CSV_COLUMNS.map((c) => csvCell(e[c])).join(',')}\r\n`;

/**
 * The lines of an export. The first batch is read before the answer starts, so a store that
 * is down answers 503 as a problem; a failure later can only cut the stream short.
 */
async function exportBody(events: AsyncGenerator<AuditRecord>, format: 'jsonl' | 'csv'): Promise<Readable> {
  const first = await events.next();
  const line = (e: AuditRecord) => (format === 'csv' ? csvLine(event(e)) : `${JSON.stringify(event(e))}\n`);
  async function* lines() {
    if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
    if (first.done) return;
    yield line(first.value);
    for await (const e of events) yield line(e);
  }
  return Readable.from(lines());
}

export const auditRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/audit',
    operationId: 'audit_search',
    summary: 'Audit events, newest first, a page at a time',
    scope: 'admin:audit:read',
    query: z.object({ ...filterFields, limit: limitSchema, cursor: cursorSchema }).strict(),
    response: pageSchema(auditEvent),
    handle: async ({ query, deps }) => {
      const page = await deps.admin.searchAudit(filterOf(query), query.limit, query.cursor);
      return { items: page.items.map(event), next_cursor: page.nextCursor ?? null };
    },
  }),
  route({
    method: 'get',
    path: '/audit/export',
    operationId: 'audit_export',
    summary: 'Every matching audit event, newest first, streamed as JSON Lines or CSV (with a header line)',
    scope: 'admin:audit:read',
    query: z.object({ ...filterFields, format: z.enum(['jsonl', 'csv']).default('jsonl') }).strict(),
    streams: {
      'application/jsonl': 'One JSON object per line, as the items of GET /audit',
      'text/csv': `RFC 4180, a header line, then ${CSV_COLUMNS.join(', ')}; details as JSON`,
    },
    handle: async ({ query, deps, ctx }) => {
      const body = await exportBody(deps.admin.exportAudit(filterOf(query)), query.format);
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Content-Disposition', `attachment; filename="audit.${query.format}"`);
      ctx.type = query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl; charset=utf-8';
      ctx.body = body;
    },
  }),
];
