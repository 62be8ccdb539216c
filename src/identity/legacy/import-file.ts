import { z } from 'zod';
import { legacyScheme } from './hashes.js';

/*
 * The file `portico legacy import` reads: JSON Lines (one object per line) or CSV with a header
 * row, with subject, username, password_hash and optional email and name. Each bad line is
 * reported by number and skipped; the rest import.
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

/** A missing field says so, instead of zod's "expected string, received undefined". */
const present = (otherwise?: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is missing' : otherwise);

const text = (max: number) => z.string({ error: present('must be text') }).trim().min(1, 'is empty').max(max);

const hashField = text(1000).refine((h) => legacyScheme(h) !== undefined, 'is not a supported hash (bcrypt, PBKDF2-SHA256/512, argon2, SHA-512-crypt)');

const legacySchema = z.object({
  // Legacy systems number their users: 1042 and "1042" are one subject.
  subject: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), text(200)),
  username: text(254),
  password_hash: hashField,
  email: z.preprocess((v) => (v === '' || v === null ? undefined : v), z.email('is not an email address').max(254).optional()),
  name: optionalText(200),
});

/** `portico users import`: Portico IDs straight away, so an email is required and no subject. */
const userSchema = z.object({
  username: text(254).regex(/^\S+$/, 'has spaces'),
  password_hash: hashField,
  email: z.email({ error: present('is not an email address') }).max(254),
  name: optionalText(200),
});

/** The columns a CSV header must name, per kind of file. */
const REQUIRED_COLUMNS = { legacy: ['subject', 'username', 'password_hash'], users: ['username', 'email', 'password_hash'] } as const;
const OPTIONAL_COLUMNS = { legacy: ['email', 'name'], users: ['name'] } as const;

/** A file that cannot be read line by line at all: its header is wrong. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

function checkHeader(header: string[], kind: 'legacy' | 'users'): void {
  const missing = REQUIRED_COLUMNS[kind].filter((column) => !header.includes(column));
  if (missing.length === 0) return;
  const expected = `${REQUIRED_COLUMNS[kind].join(',')} (optional: ${OPTIONAL_COLUMNS[kind].join(', ')})`;
  throw new ImportFileError(`line 1: the header has no ${missing.map((c) => `"${c}"`).join(', ')} column${missing.length > 1 ? 's' : ''}; it must name ${expected}, found ${header.join(',') || 'nothing'}`);
}

/**
 * Two lines of one file for the same person: the first is kept and the later one reported,
 * as the import cannot know which is right; the later one must not silently replace it.
 */
function markRepeats(parsed: ParsedLine[], kind: 'legacy' | 'users'): ParsedLine[] {
  // Subjects compare exactly; usernames and emails as their unique indexes do, without case.
  const fields: Array<[label: 'subject' | 'username' | 'email', caseless: boolean]> =
    kind === 'legacy' ? [['subject', false], ['username', true]] : [['username', true], ['email', true]];
  const seen = fields.map(() => new Map<string, number>());
  return parsed.map((entry) => {
    if ('error' in entry) return entry;
    const values = fields.map(([label, caseless]) => (caseless ? entry.record[label]!.toLowerCase() : entry.record[label]!));
    const repeat = values.findIndex((value, i) => seen[i]!.has(value));
    if (repeat >= 0) {
      const label = fields[repeat]![0];
      return { line: entry.line, error: `${label} "${entry.record[label]}" repeats line ${seen[repeat]!.get(values[repeat]!)}` };
    }
    values.forEach((value, i) => seen[i]!.set(value, entry.line));
    return entry;
  });
}

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

/**
 * Each line parsed on its own: a bad line, or one repeating an earlier line's person, is an
 * error entry with its number. Throws ImportFileError when a CSV header lacks a column.
 */
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
      if (!header) {
        header = fields.map((f) => f.trim());
        return checkHeader(header, kind);
      }
      value = Object.fromEntries(header.map((name, i) => [name, fields[i] ?? '']));
    } else {
      value = parseJsonLine(raw);
      if (!value || typeof value !== 'object') return parsed.push({ line, error: 'not a JSON object' });
    }
    const result = recordSchema.safeParse(value);
    parsed.push(result.success ? { line, record: result.data } : { line, error: describe(result.error) });
  });
  return markRepeats(parsed, kind);
}

export function formatOf(file: string, text: string): 'jsonl' | 'csv' {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl';
  return text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}
