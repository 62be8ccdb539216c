/**
 * A configuration problem an operator must fix before Portico can start.
 * The message is one line naming the source (file or variable), the entry and the field.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Formats the first zod issue as "field.path: message". */
export function describeIssue(issue: { path: PropertyKey[]; message: string }): string {
  const path = issue.path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
  return path ? `${path}: ${issue.message}` : issue.message;
}
