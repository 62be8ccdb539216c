import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** A usage mistake: the command answers with one line and exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** node:util parseArgs, strict, with its errors turned into one-line usage errors. */
export function parseFlags<T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((error as Error).message.split('\n')[0]);
    }
    throw error;
  }
}

/** A flag that must hold a whole number of seconds, zero or more. */
export function wholeSeconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(seconds)) throw new UsageError(`${flag} takes a whole number of seconds`);
  return seconds;
}
