import { createHash, randomBytes } from 'node:crypto';
import { basicAuth, expect, Jar, type Http, type Reply } from '../http.js';
import { DEVICE_COOKIE, DEVICE_TOKEN, PASSWORD, PORTAL_ORIGIN, portal } from '../fixtures.js';
import { stringList, type Scenario } from './types.js';

const random = () => randomBytes(32).toString('base64url');

function formField(html: string, pattern: RegExp): string | undefined {
  return pattern.exec(html)?.[1]?.replaceAll('&amp;', '&');
}

/** Posts the hosted sign-in form (Portico); the baseline has none and never shows a page. */
function submitSignIn(http: Http, jar: Jar, page: Reply, login: string): Promise<Reply> {
  const action = formField(page.body, /<form[^>]*action="([^"]*\/login)"/);
  const csrf = formField(page.body, /name="csrf" value="([^"]*)"/);
  if (!action || csrf === undefined) throw new Error(`sign-in: no sign-in form (HTTP ${page.status})`);
  return http.request('POST', action, { jar, form: { csrf, login, password: PASSWORD } });
}

/**
 * One complete portal sign-in in a new browser that the account remembers (so no second
 * step): authorization request with PKCE, the sign-in form, redirects back to the portal,
 * and the code exchange. Returns the tokens the portal gets.
 */
export async function signIn(http: Http, login: string, jar = new Jar({ [DEVICE_COOKIE]: DEVICE_TOKEN })): Promise<{ access_token: string; refresh_token: string }> {
  const verifier = random();
  const query = new URLSearchParams({
    client_id: portal.id, redirect_uri: portal.redirectUri, response_type: 'code',
    scope: 'openid profile email offline_access', prompt: 'consent', state: random(), nonce: random(),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
  let reply = await http.request('GET', `/auth?${query}`, { jar });
  let signedIn = false;
  for (let hops = 0; hops < 20; hops++) {
    const location = reply.headers.location;
    if (location?.startsWith(PORTAL_ORIGIN)) {
      const code = new URL(location).searchParams.get('code');
      if (!code) throw new Error(`sign-in: no code in ${location}`);
      const tokens = await http.request('POST', '/token', {
        headers: basicAuth(portal.id, portal.secret),
        form: { grant_type: 'authorization_code', code, redirect_uri: portal.redirectUri, code_verifier: verifier },
      });
      return JSON.parse(expect(tokens, 200, 'code exchange').body) as { access_token: string; refresh_token: string };
    }
    if (location) {
      const next = new URL(location, http.base);
      reply = await http.request('GET', next.pathname + next.search, { jar });
    } else if (reply.status === 200 && !signedIn) {
      signedIn = true;
      reply = await submitSignIn(http, jar, reply, login);
    } else throw new Error(`sign-in: stuck at HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
  }
  throw new Error('sign-in: too many redirects');
}

/** Complete sign-ins, each virtual user cycling through the seeded accounts. */
const scenario: Scenario = ({ http, params }) => {
  const logins = stringList(params, 'logins');
  let next = 0;
  return async () => {
    await signIn(http, logins[next++ % logins.length]!);
  };
};
export default scenario;
