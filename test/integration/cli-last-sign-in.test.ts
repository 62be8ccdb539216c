import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWorkspace, runPortico } from '../support/cli.js';
import { portalOrigin, startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput } from '../support/user-agent.js';

/*
 * `portico users show` reports the last completed sign-in, whichever way the person got to
 * their portal: here, straight after creating the ID from the portal and verifying the email.
 * The server runs on a data directory; the CLI reads it as a separate process once it stops.
 */

const { dir, dataDir, env } = cliWorkspace('portico-last-sign-in-', []);

let portico: TestPortico;
let running = false;
beforeAll(async () => {
  portico = await startPortico({ dataDir, redisUrl: null, policy: { rate_limits: { registration: { per_ip: { points: 0 } } } } });
  running = true;
});
afterAll(async () => {
  if (running) await portico.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function usersShow(login: string): Promise<string> {
  const run = await runPortico(['users', 'show', login], { env });
  expect(run.err).toBe('');
  return /^last sign-in: +(\S+)$/m.exec(run.out)![1]!;
}

describe('last sign-in', () => {
  it('is recorded when a person registers from a portal and arrives there signed in; not for a sign-in left at the second step', async () => {
    const rp = await RelyingParty.discover(portico.url);
    const request = await rp.authorizationRequest();
    const signIn = await rp.browser.follow(request.url);
    const page = await rp.browser.follow(new URL(/href="(\/interaction\/[^"]+\/register)"/.exec(signIn.html!)![1]!, signIn.url).toString());
    const n = Date.now().toString(36);
    const form = { givenName: 'Ina', familyName: 'Reyes', birthYear: '1985', email: `ina.${n}@example.com`, username: `ina${n}`, password: 'Bright7Harbour', confirmPassword: 'Bright7Harbour' };
    const answers = { question1: 'first_pet', answer1: 'Rex the dog', question2: 'birth_city', answer2: 'Duluth' };
    const waiting = await rp.browser.follow(new URL(formAction(page.html!, /\/register$/)!, page.url).toString(), { form: { ...form, terms: 'yes', csrf: hiddenInput(page.html!, 'csrf')! } });
    const mail = await portico.server.database.db.selectFrom('mail_outbox').select('text_body').where(sql`lower(to_address)`, '=', form.email).executeTakeFirstOrThrow();
    const code = /^(\d{10})$/m.exec(mail.text_body)![1]!;
    const enrol = await rp.browser.follow(new URL(formAction(waiting.html!, /\/verify-email$/)!, waiting.url).toString(), { form: { csrf: hiddenInput(waiting.html!, 'csrf')!, code } });
    // Security questions are set once the address is verified, then the portal.
    const back = await rp.browser.follow(new URL(formAction(enrol.html!, /\/enrol-questions$/)!, enrol.url).toString(), { form: { ...answers, csrf: hiddenInput(enrol.html!, 'csrf')! } });
    expect(back.url.startsWith(portalOrigin)).toBe(true);

    // Right password on a new device, then gone before the access code: not a sign-in.
    const halfway = await portico.createUser({ trustDevice: false });
    const other = await RelyingParty.discover(portico.url);
    const step = await other.submitSignIn(await other.browser.follow((await other.authorizationRequest()).url), halfway.username, halfway.password);
    expect(step.url).toMatch(/\/access-code$/);

    // The CLI opens the data directory itself once the server has let it go.
    running = false;
    await portico.stop();
    expect(await usersShow(form.username)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await usersShow(halfway.username)).toBe('never');
  });
});
