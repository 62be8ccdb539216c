import { accountTypeLabel, selfRegistrable, type AccountType } from '../../config/policy-account-types.js';
import { labelText } from '../../config/policy-label.js';
import { msg, type Text } from '../../i18n/index.js';
import { checkFieldName, checkGroupName } from '../../identity/registration/identity-check.js';

/** One type's identity-check fields as the page shows them (views/partials/identity-check.eta). */
export interface CheckGroup {
  name: string;
  legend: Text;
  /** Set when the page offers several types: these fields are for one of them only. */
  onlyFor?: Text;
  fields: Array<{ name: string; label: Text; kind: 'text' | 'date'; maxLength?: number }>;
}

/**
 * The fields of every type the page may register that has a check. Without JavaScript the page
 * cannot change with the type picked, so each group says whose it is; only the chosen type's
 * are read (identity/registration/validate.ts).
 */
export function checkGroups(types: readonly AccountType[]): CheckGroup[] {
  const offered = selfRegistrable(types);
  return offered.flatMap((type) => {
    const check = type.identity_check;
    if (!check) return [];
    const label = accountTypeLabel(type);
    return [
      {
        name: checkGroupName(type.id),
        legend: msg('idcheck.legend', { type: label }),
        ...(offered.length > 1 ? { onlyFor: msg('idcheck.only_for', { type: label }) } : {}),
        fields: check.fields.map((f) => ({ name: checkFieldName(type.id, f.id), label: labelText(f.label), kind: f.kind, ...(f.kind === 'text' ? { maxLength: f.maxLength } : {}) })),
      },
    ];
  });
}

/** The summary's label of each check field and group, by form name. */
export function checkLabels(groups: readonly CheckGroup[]): Record<string, Text> {
  return Object.fromEntries(groups.flatMap((g) => [[g.name, g.legend] as const, ...g.fields.map((f) => [f.name, f.label] as const)]));
}
