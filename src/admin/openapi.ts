import { z } from 'zod';
import { ADMIN_SCOPES } from '../config/admin-scopes.js';
import { problemKinds, problemType } from './problems.js';
import { ADMIN_API_BASE, ADMIN_ROUTES } from './routes.js';
import type { AnyRoute } from './route.js';

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a request part as callers write it, or a response as it leaves. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Path and query parameters: one per property of the route's object schema. */
function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === 'path' || (json.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
  });
}

const problemRef = { $ref: '#/components/responses/Problem' };

function operation(route: AnyRoute): JsonSchema {
  const ok = route.response
    ? { description: 'OK', content: { 'application/json': { schema: schemaOf(route.response, 'output') } } }
    : { description: 'OK', content: Object.fromEntries(Object.entries(route.streams ?? {}).map(([type, description]) => [type, { schema: { type: 'string', description } }])) };
  return {
    operationId: route.operationId,
    summary: route.summary,
    security: [{ adminClient: [route.scope] }],
    parameters: [
      ...parameters('path', route.params),
      ...parameters('query', route.query),
      ...(route.write ? [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'A retry with the same key and body answers what the first request answered', schema: { type: 'string', maxLength: 200 } }] : []),
    ],
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body, 'input') } } } } : {}),
    responses: { 200: ok, 400: problemRef, 401: problemRef, 403: problemRef, ...(route.params ? { 404: problemRef } : {}), ...(route.method !== 'get' ? { 415: problemRef } : {}), ...(route.write ? { 409: problemRef, 422: problemRef } : {}), ...(route.method === 'patch' ? { 429: problemRef } : {}), 503: problemRef },
  };
}

/** The OpenAPI 3.1 document of the admin API, built from the route table at each call (it is small). */
export function openApiDocument(issuer: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of ADMIN_ROUTES) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: 'Portico admin API', version: '1' },
    servers: [{ url: `${issuer.replace(/\/$/, '')}${ADMIN_API_BASE}` }],
    paths,
    components: {
      securitySchemes: {
        adminClient: {
          type: 'oauth2',
          description: 'An access token of an admin client (admin_scopes in the clients file), sent as a bearer token (RFC 6750)',
          flows: { clientCredentials: { tokenUrl: `${issuer.replace(/\/$/, '')}/token`, scopes: Object.fromEntries(ADMIN_SCOPES.map((s) => [s, s])) } },
        },
      },
      responses: {
        Problem: { description: 'An RFC 9457 problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string', enum: problemKinds.map(problemType) },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: { type: 'array', description: 'invalid-request: each field refused', items: { type: 'object', properties: { in: { type: 'string', enum: ['path', 'query', 'body', 'header'] }, field: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}
