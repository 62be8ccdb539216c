import { z } from 'zod';
import { ACCOUNT_CLIENT_ID } from '../config/account-client.js';
import type { ClientsConfig } from '../config/index.js';
import { clientMetadata } from '../oidc/provider.js';
import { Problem } from './problems.js';
import { route, type AnyRoute } from './route.js';

const strings = z.array(z.string());

/**
 * A client as the API shows it. Built field by field from what is safe to show: a secret, its
 * hash or the value of its environment variable never leaves; the variable's name may.
 */
const clientView = z.object({
  client_id: z.string(),
  name: z.string(),
  first_party: z.boolean(),
  grant_types: strings.describe('oidc-provider\'s default, authorization_code, when the file names none'),
  redirect_uris: strings,
  post_logout_redirect_uris: strings,
  scopes: strings.describe('The scopes it may be given: its `scope`, the portal scopes by default, its admin scopes for an admin client'),
  admin_scopes: strings.nullable(),
  branding_display_name: z.string().nullable().describe('The name its branded pages show (branding.display_name)'),
  token_endpoint_auth_method: z.string(),
  secret: z.object({
    from: z.enum(['file', 'environment', 'none']).describe('none: a public client'),
    env: z.string().nullable().describe('The environment variable named by client_secret_env; never its value'),
  }),
});

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

function views(clients: ClientsConfig): z.input<typeof clientView>[] {
  const secretEnv = new Map(clients.secretsFromEnv.filter((ref) => ref.field === 'client_secret_env').map((ref) => [ref.clientId, ref.variable]));
  // As oidc-provider gets them (scopes filled in); the built-in account client is Portico's own, as in `portico clients check`.
  return clientMetadata({ clients })
    .filter((metadata) => metadata.client_id !== ACCOUNT_CLIENT_ID)
    .map((metadata) => {
      const id = String(metadata.client_id);
      const settings = clients.settings.get(id)!;
      const env = secretEnv.get(id) ?? null;
      const method = typeof metadata.token_endpoint_auth_method === 'string' ? metadata.token_endpoint_auth_method : 'client_secret_basic';
      return {
        client_id: id,
        name: settings.clientName,
        first_party: settings.firstParty,
        grant_types: metadata.grant_types === undefined ? ['authorization_code'] : list(metadata.grant_types),
        redirect_uris: list(metadata.redirect_uris),
        post_logout_redirect_uris: list(metadata.post_logout_redirect_uris),
        scopes: typeof metadata.scope === 'string' ? metadata.scope.split(' ') : [],
        admin_scopes: settings.adminScopes ?? null,
        branding_display_name: settings.branding?.display_name ?? null,
        token_endpoint_auth_method: method,
        secret: { from: env ? 'environment' : method === 'none' ? 'none' : 'file', env },
      };
    });
}

export const clientRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/clients',
    operationId: 'clients_list',
    summary: 'The clients in force (the clients file as last loaded), without their secrets',
    scope: 'admin:clients',
    response: z.object({ items: z.array(clientView) }),
    handle: async ({ deps }) => ({ items: views(deps.clients.current()) }),
  }),
  route({
    method: 'post',
    path: '/clients/reload',
    operationId: 'clients_reload',
    summary: 'Read the clients file again and put it in force without a restart, checked as at start-up; a bad file is refused (422, start-up\'s one-line message) and the clients in force stay. Under the cluster every worker reloads',
    scope: 'admin:clients',
    write: true,
    response: z.object({ reloaded: z.literal(true), clients: z.number().int().describe('How many clients the file has') }),
    handle: async ({ deps, client }) => {
      const outcome = await deps.clients.reload();
      await deps.admin.clientsReloaded({ adminClient: client }, outcome.ok ? { reloaded: true, clients: outcome.clients } : { reloaded: false, problem: outcome.message });
      if (!outcome.ok) throw new Problem('invalid-clients-file', outcome.message);
      return { reloaded: true as const, clients: outcome.clients };
    },
  }),
];
