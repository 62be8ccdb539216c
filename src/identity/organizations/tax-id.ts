import { msg, type Msg } from '../../i18n/index.js';
import type { Db } from '../../storage/database.js';
import { openSealedFrom, secretBoxFor } from '../../storage/secret-box.js';
import { codeHmacKey, keyedHash } from '../keyed-hash.js';

/*
 * An organisation's Tax ID (US Employer Identification Number): nine digits, typed as
 * `12-3456789` or `123456789`. It can be a sole provider's Social Security number, so it is
 * never kept or shown in clear: a keyed hash finds the organisation, the sealed value (keys-
 * encryption key, the organisation as associated data) is for an operator who must read it,
 * and the last four digits are all a page, a mail, a log line or the CLI shows.
 */

/**
 * The two-digit prefixes the IRS assigns, by campus and the Internet (IRS, "How EINs are
 * assigned and valid EIN prefixes", irs.gov/businesses/small-businesses-self-employed). Any
 * other prefix (00, 07-09, 17-19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97) is never issued.
 */
export const VALID_EIN_PREFIXES: ReadonlySet<string> = new Set(
  [
    [1, 6],
    [10, 16],
    [20, 27],
    [30, 39],
    [40, 48],
    [50, 68],
    [71, 77],
    [80, 88],
    [90, 95],
    [98, 99],
  ].flatMap(([from, to]) => Array.from({ length: to! - from! + 1 }, (_, i) => String(from! + i).padStart(2, '0'))),
);

const SHAPE = /^(\d{2})-?(\d{7})$/;

export type TaxIdParse = { ok: true; digits: string } | { ok: false; error: Msg };

/** The nine digits of a typed Tax ID, or the message to show beside the field. */
export function parseTaxId(typed: string): TaxIdParse {
  const match = SHAPE.exec(typed.trim());
  if (!match) return { ok: false, error: msg('org.tax_id.format') };
  if (!VALID_EIN_PREFIXES.has(match[1]!)) return { ok: false, error: msg('org.tax_id.prefix') };
  return { ok: true, digits: `${match[1]}${match[2]}` };
}

/** What may be shown of a Tax ID: its last four digits. */
export const taxIdLast4 = (digits: string) => digits.slice(-4);

/** The keyed hash organisations are looked up and kept unique by. */
export async function taxIdHash(db: Db, digits: string): Promise<string> {
  return keyedHash(await codeHmacKey(db), 'tax-id', digits);
}

const aad = (organizationId: string) => `organizations:${organizationId}`;

/** Sealed for the organisation's row only. `db` is a root handle: transactions do not seal. */
export async function sealTaxId(db: Db, organizationId: string, digits: string): Promise<string> {
  return (await secretBoxFor(db)).seal(digits, aad(organizationId));
}

export function openTaxId(db: Db, organizationId: string, sealed: string): Promise<string> {
  return openSealedFrom(db, sealed, aad(organizationId));
}

/** Reseals with the current key the Tax IDs sealed with an older one (keys rotate-encryption); a row changed meanwhile is left. */
export async function resealTaxIds(db: Db): Promise<number> {
  const box = await secretBoxFor(db);
  let changed = 0;
  for (const row of await db.selectFrom('organizations').select(['id', 'tax_id_sealed']).execute()) {
    if (!box.sealedWithOlderKey(row.tax_id_sealed)) continue;
    const resealed = box.seal(box.open(row.tax_id_sealed, aad(row.id)), aad(row.id));
    const result = await db.updateTable('organizations').set({ tax_id_sealed: resealed }).where('id', '=', row.id).where('tax_id_sealed', '=', row.tax_id_sealed).executeTakeFirst();
    changed += Number(result.numUpdatedRows);
  }
  return changed;
}
