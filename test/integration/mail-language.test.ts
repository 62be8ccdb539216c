import { sql } from 'kysely';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/database.js';
import { usePortico, NO_REGISTRATION_LIMIT, type TestPortico } from '../support/portico.js';
import { hiddenInput } from '../support/user-agent.js';

/*
 * Mails speak the language of the page that caused them, and the account keeps it: a mail to
 * an owner that someone else's page caused (their address typed by another person) is in the
 * owner's language, and that page does not change it.
 */

let portico: TestPortico;
let db: Db;
usePortico((started, database) => ((portico = started), (db = database)), NO_REGISTRATION_LIMIT);

let counter = 0;
function form(overrides: Record<string, string> = {}) {
  const n = `${Date.now().toString(36)}${++counter}`;
  return { givenName: 'Rosa', familyName: 'Díaz', birthYear: '1970', email: `rosa.${n}@example.com`, username: `rosa${n}`, password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour', terms: 'yes', ...overrides };
}

/** Registers at /register in a browser whose Accept-Language is `language`. */
async function register(language: string, values: Record<string, string>) {
  const agent = request.agent(portico.url);
  const page = await agent.get('/register').set('Accept-Language', language).expect(200);
  const response = await agent.post('/register').set('Accept-Language', language).type('form').send({ ...values, csrf: hiddenInput(page.text, 'csrf')! });
  expect(response.status).toBe(303);
  return agent;
}

const latestMail = (to: string, template: string) =>
  db.selectFrom('mail_outbox').selectAll().where(sql`lower(to_address)`, '=', to.toLowerCase()).where('template', '=', template).orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow();
const localeOf = async (username: string) => (await db.selectFrom('accounts').select('locale').where('username', '=', username).executeTakeFirstOrThrow()).locale;

describe('the language of mails', () => {
  it('is the page\'s, kept on the account; a stranger\'s English page mails a Spanish owner in Spanish', async () => {
    const owner = form();
    const agent = await register('es-US,es;q=0.9,en;q=0.5', owner);
    const verification = await latestMail(owner.email, 'verify-email');
    expect(verification.subject).toBe('Confirme su correo electrónico para Portico');
    expect(verification.text_body).toContain('Para terminar de crear su identificación de Portico');
    expect(verification.html_body).toContain('<html lang="es">');
    expect(await localeOf(owner.username)).toBe('es');
    const code = /^(\d{10})$/m.exec(verification.text_body)![1]!;
    const waiting = await agent.get('/verify-email').set('Accept-Language', 'es').expect(200);
    const done = await agent.post('/verify-email').set('Accept-Language', 'es').type('form').send({ csrf: hiddenInput(waiting.text, 'csrf')!, code });
    expect(done.text).toContain('Correo electrónico verificado');

    await register('en-US,en;q=0.9', form({ email: owner.email }));
    const notice = await latestMail(owner.email, 'registration-attempt');
    expect(notice.subject).toBe('Alguien intentó crear una identificación de Portico con su correo electrónico');
    expect(await localeOf(owner.username)).toBe('es');
  });

  it('stays English by default', async () => {
    const person = form();
    await register('en', person);
    expect((await latestMail(person.email, 'verify-email')).subject).toBe('Confirm your email address for Portico');
    expect(await localeOf(person.username)).toBe('en');
  });
});
