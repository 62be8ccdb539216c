import path from 'node:path';
import { Eta } from 'eta';
import { viewsDir } from '../paths.js';
import { defaultLocale, translator, type Locale } from '../i18n/index.js';
import { currentBrand } from './brand-context.js';

/** A mail ready to queue: what the recipient sees, and nothing the sender must look up. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const mailViews = path.join(viewsDir, 'mail');
// Mails are rare, so templates are read on every render: an edited template shows up without a restart.
const textEta = new Eta({ views: mailViews, autoEscape: false, autoTrim: false, cache: false });
const htmlEta = new Eta({ views: mailViews, autoEscape: true, autoTrim: false, cache: false });

const SUBJECT_LINE = /^Subject:[ \t]*(.*)\r?\n/;

/**
 * Renders `views/mail/<name>.text.eta` (whose first line is `Subject: ...`) and
 * `views/mail/<name>.html.eta` (inside `layout.html.eta`), in `locale`'s words. Throws on an unknown template, so a
 * caller's transaction rolls back rather than queueing a mail that cannot be right.
 */
export function renderMail(name: string, to: string, data: Record<string, unknown>, locale: Locale = defaultLocale): RenderedMail {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`invalid mail template name: ${name}`);
  const brand = currentBrand();
  const context = { productName: brand.name, brand, ...data, to, i18n: translator(locale) };
  const { subject, rest } = splitSubject(name, textEta.render(`./${name}.text.eta`, context));
  const html = htmlEta.render(`./${name}.html.eta`, { ...context, subject });
  return { subject, text: rest, html };
}

function splitSubject(name: string, text: string): { subject: string; rest: string } {
  const match = SUBJECT_LINE.exec(text);
  if (!match) throw new Error(`mail template ${name}.text.eta must start with a "Subject:" line`);
  // A header must stay on one line whatever the data held.
  const subject = match[1]!.replace(/\s+/g, ' ').trim();
  return { subject, rest: `${text.slice(match[0].length).trimEnd()}\n` };
}
