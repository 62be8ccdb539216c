import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as oidc from 'openid-client';

/*
 * A sample portal: what a health plan's member portal does to sign people in with Portico.
 * Authorization code with PKCE, state and nonce (openid-client), the ID token's claims shown,
 * and RP-initiated logout. Sessions live in this process's memory: it is a demo, not a template
 * for a portal's session store.
 */

export interface DemoPortalOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The clients file's redirect URI: the portal listens on its port, at its path. */
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** Linked from the page, where new IDs find their activation mail. */
  outboxUrl?: string;
}

interface PortalSession {
  pending?: { verifier: string; state: string; nonce: string };
  claims?: Record<string, unknown>;
  idToken?: string;
  error?: string;
}

const COOKIE = 'demo_portal_session';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
a.button,button{display:inline-block;background:#0b5cad;color:#fff;border:0;border-radius:4px;padding:.6rem 1.2rem;font-size:1rem;text-decoration:none;cursor:pointer}
table{border-collapse:collapse;width:100%}th,td{text-align:left;border-bottom:1px solid #ccc;padding:.3rem;vertical-align:top;overflow-wrap:anywhere}
.error{color:#a00}</style></head><body><main>${body}</main></body></html>`;
}

export async function startDemoPortal(options: DemoPortalOptions): Promise<{ url: string; server: Server; stop(): Promise<void> }> {
  // Loopback issuers are plain http: openid-client refuses those unless told (allowInsecureRequests).
  const config = await oidc.discovery(new URL(options.issuer), options.clientId, undefined, oidc.ClientSecretBasic(options.clientSecret), { execute: [oidc.allowInsecureRequests] });
  const redirect = new URL(options.redirectUri);
  const home = new URL(options.postLogoutRedirectUri);
  const sessions = new Map<string, PortalSession>();

  function sessionOf(req: IncomingMessage, res: ServerResponse): PortalSession {
    const id = /(?:^|;\s*)demo_portal_session=([A-Za-z0-9_-]{43})/.exec(req.headers.cookie ?? '')?.[1];
    if (id && sessions.has(id)) return sessions.get(id)!;
    const fresh = randomBytes(32).toString('base64url');
    sessions.set(fresh, {});
    res.setHeader('set-cookie', `${COOKIE}=${fresh}; Path=/; HttpOnly; SameSite=Lax`);
    return sessions.get(fresh)!;
  }

  const send = (res: ServerResponse, status: number, html: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  };
  const goTo = (res: ServerResponse, location: string) => {
    res.writeHead(303, { location, 'cache-control': 'no-store' });
    res.end();
  };

  function homePage(session: PortalSession): string {
    const outbox = options.outboxUrl ? `<p>New here? Create an ID on the sign-in page. This demo sends mail to the <a href="${escapeHtml(options.outboxUrl)}">dev outbox</a>, where your activation code waits.</p>` : '';
    if (!session.claims) {
      const error = session.error ? `<p class="error" role="alert">The sign-in did not finish: ${escapeHtml(session.error)}</p>` : '';
      return page('Member Portal (demo)', `<h1>Member Portal (demo)</h1>${error}<p>Sign in with your ID to see what Portico tells this portal about you.</p><p><a class="button" href="/login">Sign in with your ID</a></p>${outbox}`);
    }
    const rows = Object.entries(session.claims)
      .map(([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value))}</td></tr>`)
      .join('');
    const name = typeof session.claims.given_name === 'string' ? session.claims.given_name : 'there';
    return page('Member Portal (demo)', `<h1>Welcome, ${escapeHtml(name)}</h1><p>You are signed in. Your ID token says:</p><table><caption>Claims in the ID token</caption>${rows}</table><form method="post" action="/logout"><p><button type="submit">Sign out</button></p></form>`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `${redirect.protocol}//${redirect.host}`);
    const session = sessionOf(req, res);
    if (req.method === 'GET' && url.pathname === home.pathname) return send(res, 200, homePage(session));
    if (req.method === 'GET' && url.pathname === '/login') {
      const pending = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
      session.pending = pending;
      delete session.error;
      const target = oidc.buildAuthorizationUrl(config, {
        redirect_uri: options.redirectUri,
        scope: 'openid profile email',
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return goTo(res, target.href);
    }
    if (req.method === 'GET' && url.pathname === redirect.pathname) {
      const pending = session.pending;
      delete session.pending;
      if (!pending) return goTo(res, home.pathname);
      try {
        const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce });
        session.claims = { ...tokens.claims() };
        session.idToken = tokens.id_token;
      } catch (error) {
        session.error = error instanceof oidc.AuthorizationResponseError ? `${error.error}${error.error_description ? ` (${error.error_description})` : ''}` : (error as Error).message;
      }
      return goTo(res, home.pathname);
    }
    if (req.method === 'POST' && url.pathname === '/logout') {
      const idToken = session.idToken;
      delete session.claims;
      delete session.idToken;
      if (!idToken) return goTo(res, home.pathname);
      return goTo(res, oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: options.postLogoutRedirectUri }).href);
    }
    send(res, 404, page('Not found', '<h1>Not found</h1><p><a href="/">Back to the portal</a></p>'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, page('Error', `<h1>Something went wrong</h1><p>${escapeHtml((error as Error).message)}</p>`)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(redirect.port || 80), '127.0.0.1', () => resolve());
  });
  return {
    url: `${redirect.protocol}//${redirect.host}${home.pathname}`,
    server,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
