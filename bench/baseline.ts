import { createServer } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import { benchSigningKeys, benchClients, BENCH_ACCOUNT } from './fixtures.js';

/*
 * The baseline: bare oidc-provider with its in-memory adapter, the bench's clients and the
 * same signing algorithms as Portico (RS256 ID tokens, ES256 available), in its own process.
 * Its interaction signs the bench account in at once: it stands for "no sign-in page at all",
 * so only the protocol endpoints are compared. Usage: tsx bench/baseline.ts <port>
 */
const port = Number(process.argv[2] ?? 3100);
const issuer = `http://127.0.0.1:${port}`;
const account = { accountId: BENCH_ACCOUNT, claims: async () => ({ sub: BENCH_ACCOUNT, name: 'Bench User', email: 'bench@example.com' }) };

const configuration: Configuration = {
  clients: benchClients(),
  jwks: { keys: await benchSigningKeys() },
  findAccount: async () => account,
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
  responseTypes: ['code'],
  cookies: { keys: ['baseline-cookie-key-0123456789abcdefghijkl'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
  },
  // As Portico: a new refresh token on every use.
  rotateRefreshToken: true,
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, ClientCredentials: 3600, IdToken: 3600, Interaction: 3600, RefreshToken: 1209600, Session: 1209600, Grant: 1209600 },
};

const provider = new Provider(issuer, configuration);
const callback = provider.callback();

async function finishInteraction(req: Parameters<typeof callback>[0], res: Parameters<typeof callback>[1]): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const grant = new provider.Grant({ accountId: BENCH_ACCOUNT, clientId: details.params.client_id as string });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: BENCH_ACCOUNT }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/interaction/')) {
    finishInteraction(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
    return;
  }
  void callback(req, res);
}).listen(port, '127.0.0.1', () => process.stdout.write(`listening ${issuer}\n`));
