/**
 * A minimal browser for protocol tests: keeps cookies, follows redirects by hand, and stops
 * when it reaches a portal (whose callback need not exist).
 */
export class UserAgent {
  readonly cookies = new Map<string, string>();

  /** Sent with every request, e.g. the X-Forwarded-For a proxy in front of Portico adds. */
  headers: Record<string, string> = {};

  /** Each request's time limit in ms (a hang fails it with a TimeoutError); none unless set. */
  timeoutMs?: number;

  /** Told the status of every answer, e.g. to check that none was a 500. */
  onAnswer?: (status: number, url: string) => void;

  constructor(private readonly stopAt: string) {}

  private store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html', ...this.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const signal = this.timeoutMs === undefined ? undefined : AbortSignal.timeout(this.timeoutMs);
    const response = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual', signal });
    this.onAnswer?.(response.status, url);
    this.store(response);
    return response;
  }

  /** Follows redirects from `url`; returns the portal URL reached, or the last page. */
  async follow(url: string, init?: { form?: Record<string, string> }): Promise<{ url: string; response: Response; html?: string }> {
    let current = url;
    let response = await this.request(current, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (!location || response.status < 300 || response.status >= 400) break;
      current = new URL(location, current).toString();
      if (current.startsWith(this.stopAt)) return { url: current, response };
      response = await this.request(current);
    }
    return { url: current, response, html: await response.text() };
  }
}

export function hiddenInput(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

export function formAction(html: string, pattern: RegExp): string | undefined {
  return [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1]!).find((a) => pattern.test(a));
}

/**
 * A browser signed in to Portico's own pages by opening `path` (they send it to sign in, and
 * back): the device is the test's trusted one, so no second step is asked.
 */
export async function openSignedIn(baseUrl: string, user: { username: string; password: string }, path: string, device: { cookie: string; token: string }) {
  const agent = new UserAgent('http://127.0.0.1:9');
  agent.cookies.set(device.cookie, device.token);
  const signIn = await agent.follow(`${baseUrl}${path}`);
  const action = /action="([^"]+\/login)"/.exec(signIn.html!)![1]!;
  const page = await agent.follow(new URL(action, signIn.url).toString(), { form: { csrf: hiddenInput(signIn.html!, 'csrf')!, login: user.username, password: user.password } });
  return { agent, page };
}
