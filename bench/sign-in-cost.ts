/**
 * What one sign-in costs in round trips and SQL, counted rather than timed: HTTP requests the
 * server answers and statements sent to the database, from the portal's authorization
 * request to its code exchange. Two journeys: a remembered device, and a new device that
 * takes the emailed access code. Runs on the embedded default, or on DATABASE_URL/REDIS_URL.
 *
 *   npx tsx bench/sign-in-cost.ts
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startPortico } from '../test/support/portico.js';
import { RelyingParty } from '../test/support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../test/support/user-agent.js';

let statements = 0;
// Count at the drivers, below Kysely, so transactions' BEGIN/COMMIT and raw SQL count too.
for (const proto of [PGlite.prototype, pg.Client.prototype] as Array<{ query: (...args: unknown[]) => unknown }>) {
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    statements++;
    return original.apply(this, args);
  };
}

const portico = await startPortico();
let requests = 0;
portico.server.http.on('request', () => requests++);
const db = portico.server.database.db;

/** Reads the mailed code as the person would, outside the count. */
async function accessCode(email: string): Promise<string> {
  const counted = statements;
  const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', 'access-code').orderBy('id', 'desc').executeTakeFirstOrThrow();
  statements = counted;
  return /^(\d{6})$/m.exec(mail.text_body ?? '')![1]!;
}

type User = Awaited<ReturnType<typeof portico.createUser>>;

/** Runs the journey twice (the first warms first-use work: decoy hash, JIT, caches), counts the second. */
/**
 * Runs the journey once to warm first-use work (decoy hash, JIT, caches), then ROUNDS more
 * times, each counted from the moment it calls begin(): a portal's discovery is not per
 * sign-in. Background work (outbox polling, key refresh) can land inside a window, so the
 * fewest and the most are both printed.
 */
const ROUNDS = 5;
async function measure(name: string, makeUser: () => Promise<User>, journey: (user: User, begin: () => void) => Promise<void>): Promise<void> {
  await journey(await makeUser(), () => {});
  const counts: Array<{ requests: number; statements: number }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const user = await makeUser();
    let before = { statements, requests };
    await journey(user, () => (before = { statements, requests }));
    // Let after-response work (the outbox sender, audit) land before reading the counters.
    await new Promise((resolve) => setTimeout(resolve, 300));
    counts.push({ requests: requests - before.requests, statements: statements - before.statements });
  }
  const range = (values: number[]) => (Math.min(...values) === Math.max(...values) ? `${values[0]}` : `${Math.min(...values)}-${Math.max(...values)}`);
  console.log(`${name}: ${range(counts.map((c) => c.requests))} HTTP requests, ${range(counts.map((c) => c.statements))} SQL statements`);
}

try {
  await measure('remembered device', () => portico.createUser(), async (user, begin) => {
    const rp = await RelyingParty.discover(portico.url, 'firstParty');
    begin();
    await rp.signIn(user.username, user.password, { prompt: 'login' });
  });
  await measure('new device, emailed code', () => portico.createUser({ trustDevice: false, withAnswers: true }), async (user, begin) => {
    const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
    begin();
    const request = await rp.authorizationRequest({ prompt: 'login' });
    let page = await rp.submitSignIn(await rp.browser.follow(request.url), user.username, user.password);
    // A page that offers the emailed code by a button (not sent on GET) is followed by its post.
    if (!/name="code"/.test(page.html ?? '')) {
      const send = formAction(page.html ?? '', /access-code/);
      if (!send) throw new Error(`no access-code step at ${page.url}`);
      page = await rp.browser.follow(new URL(send, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')! } });
    }
    const action = formAction(page.html ?? '', /\/access-code$/);
    if (!action) throw new Error(`no code form at ${page.url}`);
    page = await rp.browser.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, code: await accessCode(user.email) } });
    if (!page.url.startsWith('http://127.0.0.1:9')) throw new Error(`did not reach the portal: ${page.url}`);
    await rp.exchange(page.url, request);
  });
} finally {
  await portico.stop();
}
