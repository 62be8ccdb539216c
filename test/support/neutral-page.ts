/**
 * A page with what differs by request taken out, so two answers can be compared whole: the
 * form token, the interaction id (in paths and in the recovery links' `from`), the passkey
 * challenge each page hands out, and what the person typed.
 */
export function neutralPage(html: string, typed: string, as = 'TYPED'): string {
  return html
    .replace(/name="csrf" value="[^"]+"/g, '')
    .replace(/\/interaction\/[A-Za-z0-9_-]+/g, '/interaction/UID')
    .replace(/([?&]from=)[A-Za-z0-9_-]+/g, '$1UID')
    .replace(/&quot;challenge&quot;:&quot;[A-Za-z0-9_-]+&quot;/g, '&quot;challenge&quot;:&quot;CHALLENGE&quot;')
    .replaceAll(typed, as);
}
