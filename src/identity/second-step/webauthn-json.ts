import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';

/*
 * The browser's WebAuthn answer, as posted in a form field, checked field by field before
 * @simplewebauthn/server sees it: the library decodes what it is given (CBOR, base64url,
 * JSON) and a forged body of the wrong shape or size would reach those decoders. Anything
 * that is not an answer a browser could send is "no answer" here, and the page says so.
 * Sizes: a credential id is at most 1023 bytes (WebAuthn Level 2 §4), so 1364 base64url
 * characters; client data is a short JSON object; attestation objects with "none" attestation
 * are small, but a packed certificate chain may take a few kilobytes.
 */

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const base64url = (max: number) => z.string().min(1).max(max).regex(BASE64URL);

const credentialId = base64url(1364);
/** The whole field: well above any real answer, far below the form's 64 kB body limit. */
export const ANSWER_MAX_CHARS = 32_000;

const common = {
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string().max(64), z.unknown()).default({}),
  // Informative only (it picks hwk or swk): a value a browser made up is dropped, not refused.
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional().catch(undefined),
};

const authenticationSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(1024),
    // Checked against the passkey's account when present; browsers send none for some passkeys.
    userHandle: base64url(128).optional(),
  }),
});

const registrationSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(16_384),
    transports: z.array(z.string().max(16).regex(/^[a-z-]+$/)).max(8).optional(),
  }),
});

/** WebAuthn Level 2 §5.8.1, the fields read here; the library checks the rest. */
const clientDataSchema = z.object({
  type: z.string().max(32),
  challenge: base64url(256),
  origin: z.string().max(2048),
});

export interface ParsedAnswer<T> {
  response: T;
  /** The client data's challenge and origin, as the browser stated them. */
  challenge: string;
  origin: string;
}

function parseWith<T>(schema: z.ZodType<T>, json: string, type: 'webauthn.get' | 'webauthn.create'): ParsedAnswer<T> | undefined {
  if (json.length === 0 || json.length > ANSWER_MAX_CHARS) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return undefined;
  }
  const answer = schema.safeParse(raw);
  if (!answer.success) return undefined;
  const { id, rawId, response } = answer.data as { id: string; rawId: string; response: { clientDataJSON: string } };
  if (id !== rawId) return undefined;
  let client: unknown;
  try {
    client = JSON.parse(Buffer.from(response.clientDataJSON, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const data = clientDataSchema.safeParse(client);
  if (!data.success || data.data.type !== type) return undefined;
  return { response: answer.data, challenge: data.data.challenge, origin: data.data.origin };
}

/** navigator.credentials.get's answer, or undefined when the field holds none. */
export const parseAuthentication = (json: string): ParsedAnswer<AuthenticationResponseJSON> | undefined =>
  parseWith(authenticationSchema, json, 'webauthn.get') as ParsedAnswer<AuthenticationResponseJSON> | undefined;

/** navigator.credentials.create's answer, or undefined when the field holds none. */
export const parseRegistration = (json: string): ParsedAnswer<RegistrationResponseJSON> | undefined =>
  parseWith(registrationSchema, json, 'webauthn.create') as ParsedAnswer<RegistrationResponseJSON> | undefined;
