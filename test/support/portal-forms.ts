import type { RelyingParty } from './rp.js';
import { formAction, hiddenInput } from './user-agent.js';

/** A hosted page as the tests' browser saw it. */
export type Page = { url: string; html?: string; response: Response };

/** Posts the page's form whose action matches, with its CSRF token, in the portal's browser. */
export async function postForm(rp: RelyingParty, page: Page, pattern: RegExp, form: Record<string, string>): Promise<Page> {
  const action = formAction(page.html!, pattern);
  if (!action) throw new Error(`no form matching ${pattern} at ${page.url}`);
  return rp.browser.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(page.html!, 'csrf')!, ...form } });
}

/** "Create an ID" reached from the portal's sign-in page, with the authorization request to finish. */
export async function registerPage(rp: RelyingParty) {
  const request = await rp.authorizationRequest();
  const signIn = await rp.browser.follow(request.url);
  const registerUrl = new URL(/href="(\/interaction\/[^"]+\/register)"/.exec(signIn.html!)![1]!, signIn.url).toString();
  return { request, page: await rp.browser.follow(registerUrl) };
}
