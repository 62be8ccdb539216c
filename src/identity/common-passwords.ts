import { dictionary } from '@zxcvbn-ts/language-common';

let common: Set<string> | undefined;

/**
 * The common and breached passwords list maintained by zxcvbn-ts (about 49,000 entries, lower
 * case). Built on first use: most processes never register anyone.
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common']);
  return common.has(password.toLowerCase());
}
