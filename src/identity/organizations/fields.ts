import { msg, type Msg } from '../../i18n/index.js';
import { parseTaxId } from './tax-id.js';

/** What a person types to register an organisation (or to find the one to join). */
export interface OrganizationFields {
  taxId: string;
  legalName: string;
  address: string;
  phone: string;
}

export type FieldErrors = Partial<Record<keyof OrganizationFields, Msg>>;

export interface CheckedFields {
  digits: string;
  legalName: string;
  address: string;
  phone: string;
}

const PHONE = /^\+?[0-9 ().-]{7,25}$/;
const text = (value: string, max: number) => value.trim().replace(/\s+/g, ' ').slice(0, max + 1);

/** The fields cleaned, or the message to show beside each field that is wrong. */
export function checkOrganizationFields(input: OrganizationFields): { ok: true; fields: CheckedFields } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const taxId = parseTaxId(input.taxId);
  if (!taxId.ok) errors.taxId = taxId.error;
  const legalName = text(input.legalName, 200);
  if (!legalName || legalName.length > 200) errors.legalName = msg('org.legal_name.invalid');
  const address = text(input.address, 300);
  if (!address || address.length > 300) errors.address = msg('org.address.invalid');
  const phone = input.phone.trim();
  if (!PHONE.test(phone) || phone.replace(/\D/g, '').length < 7) errors.phone = msg('org.phone.invalid');
  if (!taxId.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, fields: { digits: taxId.digits, legalName, address, phone } };
}
