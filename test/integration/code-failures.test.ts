import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorAction } from '../../src/identity/account-admin.js';
import { findAccountById } from '../../src/identity/accounts.js';
import type { Db } from '../../src/storage/database.js';
import { startPortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * Wrong one-time codes add up per account across codes and purposes until a success (NIST SP
 * 800-63B §3.2.2): past a bound each try waits twice as long, then the door locks. "Forgot
 * password" needs only a username, so an attacker there can lock only the recovery door: the
 * owner's sign-in with the password and an access code still works, and opens it again.
 */

let portico: TestPortico;
let db: Db;

beforeAll(async () => {
  const off = { per_ip: { points: 0 }, per_account: { points: 0 } };
  portico = await startPortico({
    policy: {
      // 20 tries per code, so that the account-wide count is what stops the parallel test;
      // back-off waits long enough that no test outruns it; the lock comes 2 failures after it.
      second_step: { access_code: { max_attempts: 20, resend_throttle_seconds: 0 } },
      code_failures: { backoff_after: 10, max_failures: 12, backoff_base_seconds: 600 },
      rate_limits: { recovery: off, codes: off },
    },
  });
  db = portico.server.database.db;
});
afterAll(() => portico?.stop());

type Page = Awaited<ReturnType<UserAgent['follow']>>;

const latestCode = async (email: string, template: string, digits: number) => {
  const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('template', '=', template).orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow();
  return new RegExp(`^(\\d{${digits}})$`, 'm').exec(mail.text_body)![1]!;
};
const fieldError = (page: Page) => /id="code-error">([^<]*)</.exec(page.html ?? '')?.[1];
/** The wait has passed (a test does not sleep for ten minutes). */
const waitOver = (accountId: string) => db.updateTable('code_failures').set({ blocked_until: new Date(Date.now() - 1000) }).where('subject', '=', accountId).execute();

async function startReset(login: string) {
  const agent = new UserAgent('http://127.0.0.1:9');
  const form = await agent.follow(`${portico.url}/recover/password`);
  const page = await agent.follow(`${portico.url}/recover/password`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, login } });
  return { agent, page };
}
const typeCode = (agent: UserAgent, page: Page, code: string) => agent.follow(`${portico.url}/recover/password/code`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, code } });
const resend = (agent: UserAgent, page: Page) => agent.follow(`${portico.url}/recover/password/code/resend`, { form: { csrf: hiddenInput(page.html!, 'csrf')! } });

describe('failed one-time codes per account', () => {
  it('add up across new codes: a new code brings no fresh tries, and past the bound even the right code waits', async () => {
    const user = await portico.createUser();
    let { agent, page } = await startReset(user.username);
    for (let round = 0; round < 2; round++) {
      if (round > 0) expect((page = await resend(agent, page)).html).toContain('We sent a new code');
      for (let i = 0; i < 5; i++) page = await typeCode(agent, page, '0000000000');
    }
    expect(fieldError(page)).toBe('That code is not correct. Too many wrong codes or answers were entered for this ID. Wait 10 minutes, then try again.');
    page = await resend(agent, page);
    const right = await typeCode(agent, page, await latestCode(user.email, 'recovery-code', 10));
    expect(right.response.status).toBe(400);
    expect(fieldError(right)).toBe('Too many wrong codes or answers were entered for this ID. Wait 10 minutes, then try again.');
    await waitOver(user.id);
    expect((await typeCode(agent, right, await latestCode(user.email, 'recovery-code', 10))).url).toBe(`${portico.url}/recover/password/new`);
  });

  it('count parallel wrong codes exactly and check none past the bound; the lock stops recovery only, and a sign-in opens it again', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const { agent, page } = await startReset(user.username);
    const answers = await Promise.all(Array.from({ length: 30 }, () => typeCode(agent, page, '0000000000')));
    expect(answers.every((a) => a.response.status === 400)).toBe(true);
    const counter = await db.selectFrom('code_failures').select('failures').where('subject', '=', user.id).where('door', '=', 'recovery').executeTakeFirstOrThrow();
    expect(counter.failures).toBe(10);
    const audited = await db.selectFrom('audit_events').select(sql<string>`details->>'reason'`.as('reason')).where('account_id', '=', user.id).where('action', '=', 'recovery.code_failed').execute();
    expect(audited.filter((a) => a.reason === 'wrong')).toHaveLength(10);
    expect(audited.filter((a) => a.reason === 'too_many_attempts')).toHaveLength(20);

    for (let i = 0; i < 2; i++) {
      await waitOver(user.id);
      await typeCode(agent, page, '0000000000');
    }
    await waitOver(user.id);
    const locked = await typeCode(agent, page, await latestCode(user.email, 'recovery-code', 10));
    expect(fieldError(locked)).toContain('so emailed codes are paused');

    // The password still signs in, with an access code; that success opens the recovery door.
    const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
    const step = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, user.password);
    const back = await rp.browser.follow(new URL(formAction(step.html!, /\/access-code$/)!, step.url).toString(), { form: { csrf: hiddenInput(step.html!, 'csrf')!, code: await latestCode(user.email, 'access-code', 6) } });
    expect(back.url.startsWith('http://127.0.0.1:9')).toBe(true);
    const again = await typeCode(agent, locked, await latestCode(user.email, 'recovery-code', 10));
    expect(again.url).toBe(`${portico.url}/recover/password/questions`);
  });

  it('are a lock the help desk can lift: unlock opens the recovery door the wrong codes closed', async () => {
    const user = await portico.createUser({ trustDevice: false });
    const { agent, page } = await startReset(user.username);
    await db.insertInto('code_failures').values({ subject: user.id, door: 'recovery', failures: 12, blocked_until: null, updated_at: new Date() }).onConflict((oc) => oc.columns(['subject', 'door']).doUpdateSet({ failures: 12 })).execute();
    const locked = await typeCode(agent, page, await latestCode(user.email, 'recovery-code', 10));
    expect(fieldError(locked)).toContain('so emailed codes are paused');

    expect(await operatorAction(db, (await findAccountById(db, user.id))!, 'unlock', 'helpdesk-test')).toBe(true);
    const opened = await typeCode(agent, locked, await latestCode(user.email, 'recovery-code', 10));
    expect(opened.url).toBe(`${portico.url}/recover/password/new`);
  });
});
