import en from './en.json' with { type: 'json' };
import es from './es.json' with { type: 'json' };

/**
 * The message catalogues. No i18n library is installed, so this is the small part of one
 * Portico needs: `{name}` variables, plural forms chosen by the language's CLDR rules
 * (Intl.PluralRules, ECMA-402 §16), and dates/numbers formatted by Intl for the language.
 * A plural message is an object of CLDR categories (`one`, `other`, ...); `other` is required.
 */
export const locales = ['en', 'es'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'en';

type Message = string | Partial<Record<Intl.LDMLPluralRule, string>>;
type Catalogue = Record<string, Message>;
export const catalogues: Record<Locale, Catalogue> = { en, es };

// A variable may itself be a message (a wait such as "in 5 minutes"), worded in the same language.
export type Vars = { [name: string]: string | number | Msg | PolicyText | undefined | null };

/**
 * A sentence for the person, as a catalogue key and its variables: what domain and flow code
 * hand to a view, worded in the page's language only when the page is rendered.
 */
export interface Msg {
  key: string;
  vars?: Vars;
}
export const msg = (key: string, vars?: Vars): Msg => (vars ? { key, vars } : { key });

/** A text of the policy file: English, and its wording in other languages where given. */
export interface PolicyText {
  text: string;
  translations?: Partial<Record<Locale, string>>;
}

/** What a view shows in a message slot: a Msg, a policy text, or a sentence not yet moved to the catalogue. */
export type Text = string | Msg | PolicyText;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/** The first supported language of a list of BCP 47 tags in order of preference (`es-MX` counts as `es`). */
export function firstSupported(tags: Iterable<string>): Locale | undefined {
  for (const tag of tags) {
    const language = tag.trim().toLowerCase().split('-')[0];
    if (isLocale(language)) return language;
  }
  return undefined;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => escapes[c]!);

export interface Translator {
  locale: Locale;
  /** Plain text: the caller escapes it (Eta's `<%= %>`). */
  t(key: string, vars?: Vars): string;
  /** A message whose catalogue text holds markup (keys ending in `_html`); its variables are escaped. */
  html(key: string, vars?: Vars): string;
  /** A Msg in this language; a plain string (a sentence not yet in the catalogue) as it is. */
  msg(message: Text | undefined | null): string;
  date(value: Date | string | number, options?: Intl.DateTimeFormatOptions): string;
  number(value: number, options?: Intl.NumberFormatOptions): string;
}

export function translator(locale: Locale): Translator {
  const plurals = new Intl.PluralRules(locale);
  const word = (message: Msg | PolicyText): string =>
    'key' in message ? format(message.key, message.vars ?? {}, (value) => value) : (message.translations?.[locale] ?? message.text);
  const format = (key: string, vars: Vars, escape: (value: string) => string): string => {
    const message = catalogues[locale][key] ?? catalogues[defaultLocale][key];
    if (message === undefined) throw new Error(`no message ${key} in the ${locale} catalogue`);
    const text = typeof message === 'string' ? message : pickPlural(message, plurals, vars.count, key);
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = vars[name];
      if (value === undefined || value === null) return whole;
      if (typeof value === 'object') return escape(word(value));
      return escape(typeof value === 'number' ? new Intl.NumberFormat(locale).format(value) : value);
    });
  };
  return {
    locale,
    t: (key, vars = {}) => format(key, vars, (value) => value),
    html: (key, vars = {}) => {
      if (!key.endsWith('_html')) throw new Error(`message ${key} is not markup: use t()`);
      return format(key, vars, escapeHtml);
    },
    msg: (message) => (message == null ? '' : typeof message === 'string' ? message : word(message)),
    date: (value, options = { dateStyle: 'long' }) => new Intl.DateTimeFormat(locale, options).format(new Date(value)),
    number: (value, options) => new Intl.NumberFormat(locale, options).format(value),
  };
}

function pickPlural(message: Exclude<Message, string>, rules: Intl.PluralRules, count: Vars[string], key: string): string {
  if (typeof count !== 'number') throw new Error(`message ${key} needs a numeric count`);
  const text = message[rules.select(count)] ?? message.other;
  if (text === undefined) throw new Error(`message ${key} has no "other" form`);
  return text;
}
