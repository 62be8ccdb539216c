import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/*
 * A WebAuthn authenticator in software, for tests of the server side without a browser: one
 * P-256 credential (ES256), "none" attestation, answers built as a browser would send them
 * (WebAuthn Level 2 §6.1 authenticator data, §5.8.1 client data). Its counter can be set, to
 * play a clone whose counter lags behind; `verifiesUser` false plays one that only tests
 * presence (no PIN or biometric). Like a discoverable credential, it answers with the user
 * handle it was registered for.
 */

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  private readonly privateKey: KeyObject;
  private readonly cosePublicKey: Uint8Array;
  counter = 0;
  verifiesUser = true;
  userHandle?: string;

  constructor(readonly attachment: 'platform' | 'cross-platform' = 'cross-platform') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    this.cosePublicKey = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  private authData(rpID: string, flags: number, attested?: Uint8Array): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    return Buffer.concat([sha256(rpID), Buffer.from([flags]), counter, ...(attested ? [attested] : [])]);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** The answer to navigator.credentials.create for these options' challenge. */
  register(options: { challenge: string; rp: { id?: string }; user?: { id: string } }, origin: string, rpID = options.rp.id!): Record<string, unknown> {
    this.userHandle = options.user?.id;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, this.cosePublicKey]);
    // Flags: user present, user verified, attested credential data included.
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', this.authData(rpID, 0x45, attested)]]) as never);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64url(this.clientData('webauthn.create', options.challenge, origin)), attestationObject: b64url(attestationObject), transports: ['usb'] },
      clientExtensionResults: {},
      authenticatorAttachment: this.attachment,
    };
  }

  /** The answer to navigator.credentials.get for these options' challenge; the counter goes up first. */
  authenticate(options: { challenge: string; rpId?: string }, origin: string, rpID = options.rpId!): Record<string, unknown> {
    this.counter += 1;
    // Flags: user present, and user verified unless this key only tests presence.
    const authenticatorData = this.authData(rpID, this.verifiesUser ? 0x05 : 0x01);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, origin);
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authenticatorData), signature: b64url(signature), ...(this.userHandle ? { userHandle: this.userHandle } : {}) },
      clientExtensionResults: {},
      authenticatorAttachment: this.attachment,
    };
  }
}
