import { describe, expect, it } from 'vitest';
import { parseTaxId, taxIdLast4, VALID_EIN_PREFIXES } from '../../src/identity/organizations/tax-id.js';

describe('Tax ID parsing', () => {
  it('accepts nine digits with or without the dash after the prefix', () => {
    expect(parseTaxId('12-3456789')).toEqual({ ok: true, digits: '123456789' });
    expect(parseTaxId(' 123456789 ')).toEqual({ ok: true, digits: '123456789' });
    expect(taxIdLast4('123456789')).toBe('6789');
  });

  it('refuses other shapes as malformed', () => {
    for (const typed of ['', '12345678', '1234567890', '123-456789', '12 3456789', '12-345678a', '１２-3456789', '12--3456789']) {
      expect(parseTaxId(typed), typed).toEqual({ ok: false, error: { key: 'org.tax_id.format' } });
    }
  });

  it('refuses the prefixes the IRS never assigns', () => {
    for (const prefix of ['00', '07', '08', '09', '17', '18', '19', '28', '29', '49', '69', '70', '78', '79', '89', '96', '97']) {
      expect(VALID_EIN_PREFIXES.has(prefix), prefix).toBe(false);
      expect(parseTaxId(`${prefix}-3456789`), prefix).toEqual({ ok: false, error: { key: 'org.tax_id.prefix' } });
    }
    expect(VALID_EIN_PREFIXES.size).toBe(100 - 17);
    for (const prefix of ['01', '06', '10', '27', '31', '48', '50', '68', '71', '77', '80', '88', '90', '95', '98', '99']) expect(parseTaxId(`${prefix}3456789`).ok, prefix).toBe(true);
  });
});
