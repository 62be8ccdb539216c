import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountById } from '../../src/identity/accounts.js';
import type { Db } from '../../src/storage/database.js';
import { startPortico, TEST_ANSWERS, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * "Forgot password" with `recovery.allow_answers_alone` (compatibility with the portals Portico
 * replaces; below NIST SP 800-63B and ASVS): the answers may stand in for the emailed code, but
 * they never disable an ID, an unknown username answers exactly alike, and the answers that
 * reset a password are not the second step of the sign-ins that follow.
 */

let portico: TestPortico;
let db: Db;

beforeAll(async () => {
  const off = { per_ip: { points: 0 }, per_account: { points: 0 } };
  // Back-off waits long enough that no test outruns it.
  portico = await startPortico({ policy: { recovery: { allow_answers_alone: true }, code_failures: { backoff_base_seconds: 600 }, rate_limits: { recovery: off, codes: off } } });
  db = portico.server.database.db;
});
afterAll(() => portico?.stop());

type Page = Awaited<ReturnType<UserAgent['follow']>>;
const rightAnswers = Object.fromEntries(TEST_ANSWERS.map((a) => [`answer_${a.questionId}`, a.answer]));

async function questionsFor(login: string) {
  const agent = new UserAgent('http://127.0.0.1:9');
  const form = await agent.follow(`${portico.url}/recover/password`);
  await agent.follow(`${portico.url}/recover/password`, { form: { csrf: hiddenInput(form.html!, 'csrf')!, login } });
  return { agent, page: await agent.follow(`${portico.url}/recover/password/questions`) };
}

const answer = (agent: UserAgent, page: Page, form: Record<string, string>) =>
  agent.follow(`${portico.url}/recover/password/questions`, { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });

describe('security answers alone, when the policy allows them', () => {
  it('wrong answers throttle and never disable the ID; an unknown username sees the same words at every count, in later flows too', async () => {
    const user = await portico.createUser({ withAnswers: true });
    const transcripts = [];
    for (const login of [user.username, `nobody${user.username}`]) {
      const seen = [];
      for (const tries of [7, 4]) {
        let { agent, page } = await questionsFor(login);
        seen.push(`${page.response.status} ${new URL(page.url).pathname}`);
        for (let i = 0; i < tries; i++) {
          page = await answer(agent, page, { answer_first_pet: 'nope', answer_birth_city: 'nope', answer_first_school: 'nope', answer_first_car: 'nope' });
          seen.push(`${page.response.status} ${/id="answers-error">([^<]*)</.exec(page.html!)?.[1]}`);
        }
      }
      transcripts.push(seen);
    }
    expect(transcripts[1]).toEqual(transcripts[0]);
    expect(transcripts[0]!.at(-1)).toBe('400 Too many wrong codes or answers were entered for this ID. Wait 10 minutes, then try again.');
    expect(await findAccountById(db, user.id)).toMatchObject({ status: 'active', failed_answer_count: 0 });
  });

  it('a reset made with them forgets remembered devices and bars them as the second step until a sign-in with the emailed code', async () => {
    const user = await portico.createUser({ withAnswers: true });
    const { agent, page } = await questionsFor(user.username);
    const newForm = await answer(agent, page, rightAnswers);
    expect(newForm.url).toBe(`${portico.url}/recover/password/new`);
    const done = await agent.follow(`${portico.url}/recover/password/new`, { form: { csrf: hiddenInput(newForm.html!, 'csrf')!, password: 'Fresh8Meadow', confirmPassword: 'Fresh8Meadow' } });
    expect(done.html).toContain('Your password was changed');

    // The browser remembered before the reset: asked for the code, answers not offered nor accepted.
    const rp = await RelyingParty.discover(portico.url);
    const step = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, 'Fresh8Meadow');
    expect(step.url).toMatch(/\/access-code$/);
    expect(step.html).not.toContain('Answer my security questions instead');
    const questionsUrl = step.url.replace(/access-code$/, 'security-questions');
    const refused = await rp.browser.follow(questionsUrl, { form: { csrf: hiddenInput(step.html!, 'csrf')!, ...rightAnswers } });
    expect(refused.url).toBe(step.url);

    const mail = await db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', user.email).where('template', '=', 'access-code').orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow();
    const action = formAction(step.html!, /\/access-code$/)!;
    const back = await rp.browser.follow(new URL(action, step.url).toString(), { form: { csrf: hiddenInput(step.html!, 'csrf')!, code: /^(\d{6})$/m.exec(mail.text_body)![1]! } });
    expect(back.url.startsWith('http://127.0.0.1:9')).toBe(true);

    // Another proof was given: the answers are a second step again.
    const next = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
    const again = await next.submitSignIn(await next.browser.follow((await next.authorizationRequest()).url), user.username, 'Fresh8Meadow');
    expect(again.html).toContain('Answer my security questions instead');
  });
});
