import type { Context } from 'koa';
import type { z } from 'zod';
import type { AdminScope } from '../config/admin-scopes.js';
import type { ClientsConfig } from '../config/index.js';
import type { AdminService } from '../identity/services/admin.js';
import type { OrganizationsService } from '../identity/services/organizations.js';
import type { WebhooksService } from '../identity/services/webhooks.js';

/** The clients in force, and a reload of the clients file (the server's, oidc/clients-reload.ts). */
export interface ClientsControl {
  current(): ClientsConfig;
  /** Refused: start-up's one-line message, and the clients in force stay. */
  reload(): Promise<{ ok: true; clients: number } | { ok: false; message: string }>;
}

/** What the routes run over: the admin, organisations and webhooks services of the domain and the server's clients. */
export interface AdminDeps {
  admin: AdminService;
  organizations: OrganizationsService;
  webhooks: WebhooksService;
  clients: ClientsControl;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  /** The admin client the token belongs to: the actor of what the route writes. */
  client: string;
  deps: AdminDeps;
  ctx: Context;
}

/**
 * One route of the admin API: the router validates with these schemas and the OpenAPI
 * document is generated from them (openapi.ts), so the two cannot disagree.
 */
export interface RouteDef<P extends z.ZodObject | undefined, Q extends z.ZodObject | undefined, B extends z.ZodObject | undefined, R extends z.ZodType | undefined> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Under /admin/api/v1, in OpenAPI's template syntax: /users/{id}. */
  path: string;
  operationId: string;
  summary: string;
  scope: AdminScope;
  /** A write: retried with the same Idempotency-Key, it answers what it answered first. */
  write?: true;
  params?: P;
  query?: Q;
  body?: B;
  /** The JSON answer (200); the handler's result is parsed with it, so nothing else leaves. */
  response?: R;
  /** A streamed answer instead: its media types, described. The handler sets the body. */
  streams?: Record<string, string>;
  handle(input: RouteInput<P, Q, B>): Promise<R extends z.ZodType ? z.input<R> : void>;
}

export type AnyRoute = RouteDef<z.ZodObject | undefined, z.ZodObject | undefined, z.ZodObject | undefined, z.ZodType | undefined>;

/** Declares a route with its handler's types taken from its schemas. */
export function route<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodObject | undefined = undefined, R extends z.ZodType | undefined = undefined>(
  def: RouteDef<P, Q, B, R>,
): AnyRoute {
  return def as unknown as AnyRoute;
}
