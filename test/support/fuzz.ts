import { createHash } from 'node:crypto';

/*
 * Bad-input fuzzing: a fixed list of hostile values sent into every field of
 * a form or JSON endpoint, and a tally of what came back. Each answer must be below 500 and
 * must not echo the HTML payload unescaped.
 */

export const SCRIPT = '<script>alert(1)</script>';

const controls = Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join('');

/** Values for one field; the two big ones are refused by body limits, the rest reach the handlers. */
export const payloads: Record<string, string> = {
  '1 MB': 'a'.repeat(1 << 20),
  '2 MB': 'b'.repeat(2 << 20),
  '5000 chars': 'c'.repeat(5000),
  NUL: 'ab\u0000cd',
  'only NUL': '\u0000',
  controls: `x${controls}y`,
  'RTL override': 'abc\u202egpj.exe',
  combining: 'e\u0301\u0301\u0301',
  emoji: '😀👩‍👩‍👧‍👦🏳️‍🌈',
  SQL: "' OR 1=1 --",
  HTML: `"><script>alert(1)</script>`,
  empty: '',
  'lone surrogate': 'x\ud800y',
  // What a Japanese or Chinese keyboard types into a code field, and a code with letters in it.
  'full-width digits': '１２３４５６',
  'lettered code': '12ab56',
};

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * Forged WebAuthn answers for a passkey form's `response` field (what public/passkey.js posts).
 * With the page's live `challenge` and this site's `origin` in the client data, the forgeries
 * past the shape checks reach the deeper ones (the rpID hash, the key, the library's decoding);
 * `credentialId` (a passkey the account has) takes them as far as the signature.
 */
export function forgedCredentials(kind: 'webauthn.get' | 'webauthn.create', challenge: string, origin: string, credentialId = b64('no such credential')): Record<string, string> {
  const json = (value: unknown) => JSON.stringify(value);
  const clientDataJSON = b64(json({ type: kind, challenge, origin }));
  const rpIdHash = createHash('sha256').update(new URL(origin).hostname).digest();
  const response =
    kind === 'webauthn.get'
      ? { clientDataJSON, authenticatorData: b64(Buffer.concat([rpIdHash, Buffer.from([5, 0, 0, 0, 9])])), signature: b64('not a signature') }
      : { clientDataJSON, attestationObject: b64('not CBOR at all') };
  const base = { id: credentialId, rawId: credentialId, type: 'public-key', response, clientExtensionResults: {} };
  const withResponse = (change: Record<string, unknown>) => json({ ...base, response: { ...response, ...change } });
  return {
    'not JSON': '{"id":',
    'JSON null': 'null',
    'JSON array': '[1,2,3]',
    'deep nesting': `${'['.repeat(5000)}${']'.repeat(5000)}`,
    'prototype keys': '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
    'missing response': json({ ...base, response: undefined }),
    'response a string': json({ ...base, response: 'x' }),
    'id a number': json({ ...base, id: 12345, rawId: 12345 }),
    'id not base64url': json({ ...base, id: 'a+b/c==', rawId: 'a+b/c==' }),
    'id over-long': json({ ...base, id: 'A'.repeat(5000), rawId: 'A'.repeat(5000) }),
    'id and rawId differ': json({ ...base, rawId: b64('another') }),
    'type wrong': json({ ...base, type: 'password' }),
    'huge clientDataJSON': withResponse({ clientDataJSON: 'A'.repeat(30_000) }),
    'clientDataJSON not JSON': withResponse({ clientDataJSON: b64('not json') }),
    'clientDataJSON wrong types': withResponse({ clientDataJSON: b64(json({ type: 7, challenge: [], origin: {} })) }),
    'clientDataJSON other ceremony': withResponse({ clientDataJSON: b64(json({ type: kind === 'webauthn.get' ? 'webauthn.create' : 'webauthn.get', challenge, origin })) }),
    'fields of wrong types': withResponse({ authenticatorData: 7, signature: [], attestationObject: {}, userHandle: null }),
    'many extensions': json({ ...base, clientExtensionResults: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`x${i}`, i])) }),
    'short authenticator data': withResponse({ authenticatorData: b64('x') }),
    'live challenge, forged rest': json(base),
  };
}

/** Raw `field=...` encodings a form encoder would never produce. */
export const rawValues = ['%ff', '%', '%00', '%zz', '%e2%80', '%c0%80'];

export interface Sent {
  label: string;
  status: number;
  body: string;
}

export interface RequestSpec {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export class Fuzzer {
  tried = 0;
  /** Answers of 500 and above, and requests that got no answer at all. */
  fiveHundreds = 0;
  readonly endpoints = new Set<string>();
  readonly failures: string[] = [];

  constructor(private readonly base: string) {}

  async send(endpoint: string, url: string, spec: RequestSpec, what: string): Promise<Sent> {
    this.endpoints.add(endpoint);
    this.tried++;
    const label = `${endpoint} ${what}`;
    let response: Response;
    try {
      response = await fetch(new URL(url, this.base), { method: spec.method ?? (spec.body === undefined ? 'GET' : 'POST'), headers: spec.headers, body: spec.body as BodyInit | undefined, redirect: 'manual' });
    } catch (error) {
      this.fiveHundreds++;
      this.failures.push(`${label}: no answer (${(error as Error).message})`);
      return { label, status: 0, body: '' };
    }
    const body = await response.text();
    if (response.status >= 500) {
      this.fiveHundreds++;
      this.failures.push(`${label}: ${response.status}`);
    }
    if (body.includes(SCRIPT) || (response.headers.get('location') ?? '').includes(SCRIPT)) this.failures.push(`${label}: reflected ${SCRIPT} unescaped`);
    return { label, status: response.status, body };
  }

  /**
   * Posts `fields` with each payload in each fuzzed field, each field missing, repeated, raw
   * broken percent-encodings, and whole bodies of the wrong kind. `fixed` (csrf) is sent as is.
   */
  async form(
    endpoint: string,
    url: string,
    cookie: () => string,
    fixed: Record<string, string>,
    fields: Record<string, string> | (() => Record<string, string>),
    accept = 'text/html',
  ): Promise<Sent[]> {
    const post = (body: string | Buffer, what: string, type = 'application/x-www-form-urlencoded') =>
      this.send(endpoint, url, { body, headers: { 'content-type': type, accept, cookie: cookie() } }, what);
    const encode = (values: Record<string, string>) => new URLSearchParams(values).toString();
    const all = () => ({ ...fixed, ...(typeof fields === 'function' ? fields() : fields) });
    const without = (name: string) => Object.fromEntries(Object.entries(all()).filter(([key]) => key !== name));
    const sent: Sent[] = [];
    const names = Object.keys(all());
    for (const name of names) {
      for (const [what, value] of Object.entries(payloads)) sent.push(await post(encode({ ...all(), [name]: value }), `${name}=${what}`));
      sent.push(await post(encode(without(name)), `${name} missing`));
      sent.push(await post(`${encode(all())}&${encode({ [name]: 'again' })}`, `${name} twice`));
      sent.push(await post(`${encode(all())}&${name}[]=1&${name}[x]=2`, `${name} brackets`));
      for (const raw of rawValues) sent.push(await post(`${encode(without(name))}&${name}=${raw}`, `${name}=${raw} raw`));
    }
    sent.push(await post(Buffer.alloc(1.5 * (1 << 20), 'z'), '1.5 MB raw body'));
    const typed = Object.fromEntries(names.map((name, i) => [name, [['x'], { y: 1 }, 7, null, true][i % 5]]));
    sent.push(await post(JSON.stringify({ ...fixed, ...typed }), 'JSON body of wrong types', 'application/json'));
    sent.push(await post(encode(all()), 'text/plain body', 'text/plain'));
    sent.push(await post('', 'empty body'));
    sent.push(await post('&&==&=x&%&', 'junk body'));
    sent.push(await post(Buffer.from([0xff, 0xfe, 0x00, 0x3d, 0x26]), 'binary body'));
    return sent;
  }

  /** GETs `url` with each payload in each query parameter, and broken raw encodings. */
  async query(endpoint: string, url: string, cookie: () => string, params: Record<string, string>, accept = 'application/json'): Promise<Sent[]> {
    const get = (query: string, what: string) => this.send(endpoint, `${url}?${query}`, { headers: { accept, cookie: cookie() } }, what);
    const encode = (values: Record<string, string>) => new URLSearchParams(values).toString();
    const without = (name: string) => Object.fromEntries(Object.entries(params).filter(([key]) => key !== name));
    const sent: Sent[] = [];
    for (const name of Object.keys(params)) {
      for (const [what, value] of Object.entries(payloads)) sent.push(await get(encode({ ...params, [name]: value }), `?${name}=${what}`));
      sent.push(await get(encode(without(name)), `?${name} missing`));
      sent.push(await get(`${encode(params)}&${encode({ [name]: 'again' })}`, `?${name} twice`));
      sent.push(await get(`${encode(params)}&${name}[]=1&${name}[x]=2`, `?${name} brackets`));
      for (const raw of rawValues) sent.push(await get(`${encode(without(name))}&${name}=${raw}`, `?${name}=${raw} raw`));
    }
    return sent;
  }

  summary(): string {
    return `bad input: tried ${this.tried} inputs across ${this.endpoints.size} endpoints, ${this.fiveHundreds} answered 5xx`;
  }
}

/** A cookie header from a UserAgent-like jar. */
export function cookieHeader(cookies: Map<string, string>): string {
  return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** Any NUL or C0/C1 control character. */
export const CONTROL = /\p{Cc}/u;
