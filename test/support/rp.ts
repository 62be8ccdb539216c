import * as oidc from 'openid-client';
import { clients, DEVICE_COOKIE, portalOrigin, TEST_DEVICE_TOKEN } from './portico.js';
import { formAction, hiddenInput, UserAgent } from './user-agent.js';

export type Client = keyof typeof clients;

/** A relying portal on openid-client 6, with a browser-like user agent for the hosted pages. */
export class RelyingParty {
  readonly browser = new UserAgent(portalOrigin);

  private constructor(
    readonly config: oidc.Configuration,
    readonly issuer: string,
    readonly redirectUri: string,
  ) {}

  /** One of the standard test clients, or any client given by id, secret and redirect URI. */
  static async discover(issuer: string, which: 'firstParty' | 'thirdParty' | 'strict' | { id: string; secret: string; redirectUri: string } = 'firstParty', browser?: UserAgent): Promise<RelyingParty> {
    const c: { id: string; secret?: string; redirectUri: string } = typeof which === 'string' ? clients[which] : which;
    const auth = c.secret ? oidc.ClientSecretBasic(c.secret) : oidc.None();
    // Loopback issuers are plain http: openid-client refuses those unless told (allowInsecureRequests).
    // openid-client trusts the token endpoint's TLS and skips ID token signatures unless
    // non-repudiation checks are on: with them every ID token is verified against /jwks.
    const config = await oidc.discovery(new URL(issuer), c.id, undefined, auth, {
      execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
    });
    const rp = new RelyingParty(config, issuer, c.redirectUri);
    if (browser) (rp as { browser: UserAgent }).browser = browser;
    // The tests' usual browser: createUser's accounts remember it, so no second step.
    else rp.browser.cookies.set(DEVICE_COOKIE, TEST_DEVICE_TOKEN);
    return rp;
  }

  /** A fresh authorization request with PKCE (S256), state and nonce; an empty `extra` value leaves that parameter out. */
  async authorizationRequest(extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(this.config, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile email offline_access',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    for (const [name, value] of Object.entries(extra)) if (value === '') url.searchParams.delete(name);
    return { url: url.toString(), verifier, state, nonce };
  }

  /** Posts the sign-in form on the hosted page; returns where the browser ended. */
  async submitSignIn(page: { url: string; html?: string }, login: string, password: string) {
    const html = page.html ?? '';
    const action = formAction(html, /\/login$/);
    if (!action) throw new Error(`no sign-in form at ${page.url}`);
    return this.browser.follow(new URL(action, page.url).toString(), { form: { csrf: hiddenInput(html, 'csrf') ?? '', login, password } });
  }

  /** Signs in through the hosted page and exchanges the code: the whole portal journey. */
  async signIn(login: string, password: string, extra: Record<string, string> = {}) {
    const request = await this.authorizationRequest(extra);
    let page = await this.browser.follow(request.url);
    if (!page.url.startsWith(portalOrigin)) page = await this.submitSignIn(page, login, password);
    if (!page.url.startsWith(portalOrigin)) throw new Error(`sign-in did not return to the portal: ${page.url}`);
    return { tokens: await this.exchange(page.url, request), request, callback: page.url };
  }

  exchange(callback: string, request: { verifier: string; state: string; nonce: string }) {
    return oidc.authorizationCodeGrant(this.config, new URL(callback), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
  }
}

export { oidc };
