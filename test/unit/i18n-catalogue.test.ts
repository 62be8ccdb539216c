import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { catalogues, locales, translator } from '../../src/i18n/index.js';
import { projectRoot } from '../../src/paths.js';

const forms = (message: unknown): string[] => (typeof message === 'string' ? [message] : Object.values(message as Record<string, string>));
const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

/** Every .ts and .eta file under src/ and views/: where a message key can be used. */
function sources(): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (/\.(ts|eta)$/.test(name)) files.push(file);
    }
  };
  walk(path.join(projectRoot, 'src'));
  walk(path.join(projectRoot, 'views'));
  return files.map((file) => readFileSync(file, 'utf8')).join('\n');
}

describe('message catalogues', () => {
  const en = catalogues.en;

  it('have the same keys in every language, each with the same variables and plural forms', () => {
    for (const locale of locales) {
      const catalogue = catalogues[locale];
      expect(Object.keys(catalogue).sort(), locale).toEqual(Object.keys(en).sort());
      for (const [key, message] of Object.entries(catalogue)) {
        const english = en[key]!;
        expect(typeof message, `${locale} ${key}`).toBe(typeof english);
        if (typeof message !== 'string') expect(message.other, `${locale} ${key} needs "other"`).toBeTruthy();
        const wanted = [...new Set(forms(english).flatMap(placeholders))].sort();
        for (const text of forms(message)) {
          expect(text.trim(), `${locale} ${key}`).not.toBe('');
          // A plural's `one` form may say the count in words, so only `other` must name it.
          expect(placeholders(text).filter((name) => name !== 'count'), `${locale} ${key}`).toEqual(wanted.filter((name) => name !== 'count'));
          // Markup only in `_html` messages, which the templates print unescaped with escaped variables.
          if (!key.endsWith('_html')) expect(text, `${locale} ${key}`).not.toMatch(/[<>]/);
        }
      }
    }
  });

  it('are all used in src/ or views/, and every key the code names exists', () => {
    const code = sources();
    const unused = Object.keys(en).filter((key) => !code.includes(`'${key}'`));
    expect(unused).toEqual([]);
    const named = [...code.matchAll(/\b(?:t|h|html)\(\s*'([a-z_]+(?:\.[a-z0-9_]+)+)'/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(100);
    expect(named.filter((key) => !(key in en))).toEqual([]);
  });

  it('choose plural forms and format numbers and dates for the language', () => {
    const english = translator('en');
    const spanish = translator('es');
    expect(english.t('outbox.attempts', { count: 1 })).toBe('1 attempt');
    expect(english.t('outbox.attempts', { count: 2 })).toBe('2 attempts');
    expect(spanish.t('outbox.attempts', { count: 1 })).toBe('1 intento');
    expect(spanish.t('outbox.attempts', { count: 1500 })).toBe('1500 intentos');
    expect(english.t('outbox.attempts', { count: 1500 })).toBe('1,500 attempts');
    expect(spanish.date(new Date('2026-03-05T12:00:00Z'), { dateStyle: 'long', timeZone: 'UTC' })).toBe('5 de marzo de 2026');
    expect(english.date(new Date('2026-03-05T12:00:00Z'), { dateStyle: 'long', timeZone: 'UTC' })).toBe('March 5, 2026');
    expect(spanish.number(1234.5)).toBe('1234,5');
  });

  it('escape the variables of markup messages, and refuse markup through t()', () => {
    const spanish = translator('es');
    expect(spanish.html('sign_in.to_continue_html', { client: '<script>x</script>' })).toBe('para continuar a <strong>&lt;script&gt;x&lt;/script&gt;</strong>');
    expect(() => spanish.html('sign_in.title')).toThrow(/not markup/);
  });

  it('word the policy\'s help desk and questions per language, and an operator\'s own text only in the languages they give', () => {
    const defaults = parsePolicy('policy.json', {});
    const helpDesk = { text: defaults.lockout.help_desk, translations: defaults.lockout.help_desk_translations };
    expect(translator('es').msg(helpDesk)).toBe('Llame al número de la mesa de ayuda que aparece en la página de inicio de sesión de su portal.');
    expect(translator('en').msg(helpDesk)).toBe("Call the help desk number on your portal's sign-in page.");
    const own = parsePolicy('policy.json', { lockout: { help_desk: 'Call 1-800-555-0100.' } });
    expect(translator('es').msg({ text: own.lockout.help_desk, translations: own.lockout.help_desk_translations })).toBe('Call 1-800-555-0100.');
    const both = parsePolicy('policy.json', { lockout: { help_desk: 'Call 1-800-555-0100.', help_desk_translations: { es: 'Llame al 1-800-555-0100.' } } });
    expect(translator('es').msg({ text: both.lockout.help_desk, translations: both.lockout.help_desk_translations })).toBe('Llame al 1-800-555-0100.');
    expect(defaults.registration.security_questions.questions.every((q) => q.translations?.es)).toBe(true);
    expect(() => parsePolicy('policy.json', { lockout: { help_desk_translations: { fr: 'Appelez' } } })).toThrow(/help_desk_translations/);
  });
});
