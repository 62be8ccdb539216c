import { z } from 'zod';
import { legacyScheme } from './hashes.js';

/*
 * The file `portico legacy import` reads: JSON Lines (one object per line) or CSV with a header
 * row, with subject, username, password_hash and optional email and name. Each bad line is
 * reported by number and skipped; the rest import (issue 6, item 2).
 */

export interface LegacyRecord {
  subject: string;
  username: string;
  password_hash: string;
  email?: string;
  name?: string;
}

export type ParsedLine = { line: number; record: LegacyRecord } | { line: number; error: string };

const optionalText = (max: number) => z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().trim().max(max).optional());

const hashField = z.string().trim().min(1, 'is empty').max(1000).refine((h) => legacyScheme(h) !== undefined, 'is not a supported hash (bcrypt, PBKDF2-SHA256/512, argon2, SHA-512-crypt)');

const legacySchema = z.object({
  subject: z.coerce.string().trim().min(1, 'is empty').max(200),
  username: z.string().trim().min(1, 'is empty').max(254),
  password_hash: hashField,
  email: z.preprocess((v) => (v === '' || v === null ? undefined : v), z.email('is not an email address').max(254).optional()),
  name: optionalText(200),
});

/** `portico users import`: Portico IDs straight away, so an email is required and no subject. */
const userSchema = z.object({
  subject: z.literal('').default(''),
  username: z.string().trim().min(1, 'is empty').max(254).regex(/^\S+$/, 'has spaces'),
  password_hash: hashField,
  email: z.email('is not an email address').max(254),
  name: optionalText(200),
});

function describe(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'line'}: ${issue.message}`;
}

/** One CSV line (RFC 4180 quoting, no line breaks inside fields). */
function splitCsv(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') fields.push(field), (field = '');
    else field += ch;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}

function parseJsonLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function parseLegacyFile(text: string, format: 'jsonl' | 'csv', kind: 'legacy' | 'users' = 'legacy'): ParsedLine[] {
  const recordSchema = kind === 'users' ? userSchema.transform((r) => ({ ...r, subject: '' })) : legacySchema;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const parsed: ParsedLine[] = [];
  let header: string[] | undefined;
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    if (format === 'csv') {
      const fields = splitCsv(raw);
      if (!fields) return parsed.push({ line, error: 'unbalanced quotes' });
      if (!header) return void (header = fields.map((f) => f.trim()));
      value = Object.fromEntries(header.map((name, i) => [name, fields[i] ?? '']));
    } else {
      value = parseJsonLine(raw);
      if (!value || typeof value !== 'object') return parsed.push({ line, error: 'not a JSON object' });
    }
    const result = recordSchema.safeParse(value);
    parsed.push(result.success ? { line, record: result.data } : { line, error: describe(result.error) });
  });
  return parsed;
}

export function formatOf(file: string, text: string): 'jsonl' | 'csv' {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl';
  return text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}
