import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

/** The bench's portal callback: nothing listens there, the load generator stops at it. */
// https, as production requires of a web client's redirect: nothing is ever sent there (the
// scenarios read the code from the Location header), so nothing needs to listen.
export const PORTAL_ORIGIN = 'https://127.0.0.1:9';
export const BENCH_ACCOUNT = 'bench-account';
export const PASSWORD = 'Correct7Horse';
/** The trusted-device cookie (43 base64url characters) every seeded account remembers: no second step. */
export const DEVICE_COOKIE = 'portico_device';
export const DEVICE_TOKEN = 'bench-device-token-0123456789abcdefghijklmn';

export const portal = { id: 'bench-portal', secret: 'bench-portal-secret-0123456789abcdef', redirectUri: `${PORTAL_ORIGIN}/callback` };
export const service = { id: 'bench-service', secret: 'bench-service-secret-0123456789abcdef' };

/** OIDC client metadata shared by Portico and the baseline; Portico adds its own fields. */
export function benchClients() {
  return [
    { client_id: portal.id, client_secret: portal.secret, redirect_uris: [portal.redirectUri], grant_types: ['authorization_code', 'refresh_token'] },
    { client_id: service.id, client_secret: service.secret, redirect_uris: [], response_types: [], grant_types: ['client_credentials'] },
  ];
}

/** One RS256 and one ES256 key, as Portico keeps (src/oidc/keys.ts): ID tokens are RS256. */
export async function benchSigningKeys() {
  return Promise.all(
    (['RS256', 'ES256'] as const).map(async (alg) => {
      const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
      const jwk = await exportJWK(privateKey);
      return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg, use: 'sig' };
    }),
  );
}
