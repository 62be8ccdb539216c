import { describe, expect, it } from 'vitest';
import { ACR } from '../../src/identity/second-step/assurance.js';
import { SECOND_STEP_METHODS, type SecondStepMethod } from '../../src/methods/index.js';
import { startPortico, usePortico, type TestPortico } from '../support/portico.js';
import { RelyingParty } from '../support/rp.js';
import { formAction, hiddenInput, UserAgent } from '../support/user-agent.js';

/*
 * A second-step method is one module and one line in src/methods/index.ts's list. A fake
 * method, added to that list here only, is offered, shown, refused and accepted by the same
 * routes, page and policy as the real ones, and its amr reaches the tokens.
 */

const magicWord: SecondStepMethod = {
  id: 'magic_word',
  path: 'magic-word',
  amr: 'pin',
  acr: ACR.secondStep,
  offerLabel: 'Say the magic word instead',
  isAvailable: async () => true,
  render: async () => ({ view: 'second-step', data: { mode: 'questions', questions: [{ questionId: 'magic', text: 'What is the magic word?' }] } }),
  verify: async (_env, _step, form) => (form.answer_magic === 'please' ? { ok: true } : { ok: false, messages: { fieldError: 'That is not the magic word.' }, status: 400 }),
};

let portico: TestPortico;
usePortico((started) => (portico = started), { methods: [...SECOND_STEP_METHODS, magicWord], policy: { second_step: { methods: ['magic_word', 'email_code'] } } });

type Page = { url: string; html?: string; response: Response };

async function post(rp: RelyingParty, page: Page, pattern: RegExp, form: Record<string, string>) {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return rp.browser.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

describe('a second-step method added to the list', () => {
  it('is offered first as the policy orders, refuses a wrong answer, accepts the right one and states its amr', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
    const request = await rp.authorizationRequest();
    const page = await rp.submitSignIn(await rp.browser.follow(request.url), user.username, user.password);
    expect(page.url).toMatch(/\/interaction\/[^/]+\/magic-word$/);
    expect(page.html).toContain('What is the magic word?');
    expect(page.html).toContain('Email me an access code instead');

    const wrong = await post(rp, page, /\/magic-word$/, { answer_magic: 'abracadabra' });
    expect(wrong.response.status).toBe(400);
    expect(wrong.html).toContain('That is not the magic word.');

    const back = await post(rp, wrong, /\/magic-word$/, { answer_magic: 'please' });
    expect(back.url.startsWith('http://127.0.0.1:9')).toBe(true);
    expect((await rp.exchange(back.url, request)).claims()).toMatchObject({ sub: user.id, amr: ['pwd', 'pin'], acr: ACR.secondStep });
  });

  it('is linked from the other methods\' pages', async () => {
    const user = await portico.createUser({ trustDevice: false, withAnswers: true });
    const rp = await RelyingParty.discover(portico.url, 'firstParty', new UserAgent('http://127.0.0.1:9'));
    const first = await rp.submitSignIn(await rp.browser.follow((await rp.authorizationRequest()).url), user.username, user.password);
    const codePage = await rp.browser.follow(first.url.replace(/magic-word$/, 'access-code'));
    expect(codePage.url).toMatch(/\/access-code$/);
    expect(codePage.html).toMatch(/href="\/interaction\/[^"]+\/magic-word">Say the magic word instead</);
  });
});

describe('the policy naming a method the list does not have', () => {
  it('stops start-up with one line naming the file and the field', async () => {
    await expect(startPortico({ policy: { second_step: { methods: ['email_code', 'magic_word'] } } })).rejects.toThrow(/policy\.json: second_step\.methods\[1\]: unknown method "magic_word"/);
  });
});
