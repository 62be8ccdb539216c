import { z } from 'zod';

/*
 * OpenAPI 3.1 checks without a validator package: the document's objects as the specification
 * defines them (fixed fields, no others but x- extensions), then the rules a schema cannot say:
 * every $ref resolves, path templates and path parameters agree, operationIds are unique,
 * security names declared schemes and scopes. Schemas inside are read with zod's JSON Schema
 * reader, which also answers whether a body matches what the document promises.
 */

export type Json = Record<string, unknown>;

/** An object of the specification: its fixed fields, and no other key but an x- extension. */
function oas<S extends z.ZodRawShape>(shape: S) {
  return z
    .object(shape)
    .catchall(z.unknown())
    .superRefine((value, ctx) => {
      for (const key of Object.keys(value)) {
        if (!(key in shape) && !key.startsWith('x-')) ctx.addIssue({ code: 'custom', message: `unknown field ${key}`, path: [key] });
      }
    });
}

const schemaObject = z.union([z.record(z.string(), z.unknown()), z.boolean()]);
const reference = oas({ $ref: z.string(), summary: z.string().optional(), description: z.string().optional() });
const orRef = <T extends z.ZodType>(t: T) => z.union([reference, t]);
const mediaType = oas({ schema: schemaObject.optional(), example: z.unknown().optional(), examples: z.record(z.string(), z.unknown()).optional(), encoding: z.record(z.string(), z.unknown()).optional() });
const content = z.record(z.string().regex(/^[\w.+*-]+\/[\w.+*-]+$/, 'a media type'), mediaType);
const parameter = oas({
  name: z.string().min(1),
  in: z.enum(['query', 'header', 'path', 'cookie']),
  description: z.string().optional(),
  required: z.boolean().optional(),
  deprecated: z.boolean().optional(),
  allowEmptyValue: z.boolean().optional(),
  style: z.string().optional(),
  explode: z.boolean().optional(),
  allowReserved: z.boolean().optional(),
  schema: schemaObject.optional(),
  example: z.unknown().optional(),
  examples: z.record(z.string(), z.unknown()).optional(),
  content: content.optional(),
});
const requestBody = oas({ description: z.string().optional(), content, required: z.boolean().optional() });
const response = oas({ description: z.string(), headers: z.record(z.string(), z.unknown()).optional(), content: content.optional(), links: z.record(z.string(), z.unknown()).optional() });
const securityRequirement = z.record(z.string(), z.array(z.string()));
const operation = oas({
  tags: z.array(z.string()).optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  externalDocs: z.unknown().optional(),
  operationId: z.string().min(1).optional(),
  parameters: z.array(orRef(parameter)).optional(),
  requestBody: orRef(requestBody).optional(),
  responses: z.record(z.string().regex(/^([1-5](\d\d|XX)|default)$/, 'a status code, 1XX..5XX or default'), orRef(response)).refine((r) => Object.keys(r).length > 0, 'an operation needs a response'),
  callbacks: z.record(z.string(), z.unknown()).optional(),
  deprecated: z.boolean().optional(),
  security: z.array(securityRequirement).optional(),
  servers: z.array(z.unknown()).optional(),
});
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const pathItem = oas({
  $ref: z.string().optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  servers: z.array(z.unknown()).optional(),
  parameters: z.array(orRef(parameter)).optional(),
  ...Object.fromEntries(METHODS.map((m) => [m, operation.optional()])),
});
const oauthFlow = oas({ authorizationUrl: z.string().optional(), tokenUrl: z.string().optional(), refreshUrl: z.string().optional(), scopes: z.record(z.string(), z.string()) });
const securityScheme = oas({
  type: z.enum(['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect']),
  description: z.string().optional(),
  name: z.string().optional(),
  in: z.string().optional(),
  scheme: z.string().optional(),
  bearerFormat: z.string().optional(),
  flows: oas({ implicit: oauthFlow.optional(), password: oauthFlow.optional(), clientCredentials: oauthFlow.optional(), authorizationCode: oauthFlow.optional() }).optional(),
  openIdConnectUrl: z.string().optional(),
});
const componentName = z.string().regex(/^[a-zA-Z0-9.\-_]+$/);
const components = oas({
  schemas: z.record(componentName, schemaObject).optional(),
  responses: z.record(componentName, orRef(response)).optional(),
  parameters: z.record(componentName, orRef(parameter)).optional(),
  examples: z.record(componentName, z.unknown()).optional(),
  requestBodies: z.record(componentName, orRef(requestBody)).optional(),
  headers: z.record(componentName, z.unknown()).optional(),
  securitySchemes: z.record(componentName, orRef(securityScheme)).optional(),
  links: z.record(componentName, z.unknown()).optional(),
  callbacks: z.record(componentName, z.unknown()).optional(),
  pathItems: z.record(componentName, z.unknown()).optional(),
});
const documentSchema = oas({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: oas({ title: z.string(), summary: z.string().optional(), description: z.string().optional(), termsOfService: z.string().optional(), contact: z.unknown().optional(), license: z.unknown().optional(), version: z.string() }),
  jsonSchemaDialect: z.url().optional(),
  servers: z.array(oas({ url: z.string(), description: z.string().optional(), variables: z.record(z.string(), z.unknown()).optional() })).optional(),
  paths: z.record(z.string().regex(/^\//, 'a path starts with /'), pathItem).optional(),
  webhooks: z.record(z.string(), z.unknown()).optional(),
  components: components.optional(),
  security: z.array(securityRequirement).optional(),
  tags: z.array(z.unknown()).optional(),
  externalDocs: z.unknown().optional(),
});

/** The value at a local JSON pointer (#/a/b), or undefined. */
export function pointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

/** `node` with every local $ref replaced by what it points at (the admin document has no cycles). */
export function deref(doc: unknown, node: unknown, depth = 0): unknown {
  if (depth > 50) throw new Error('$ref cycle');
  if (Array.isArray(node)) return node.map((n) => deref(doc, n, depth + 1));
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as Json).$ref;
  if (typeof ref === 'string') return deref(doc, pointer(doc, ref), depth + 1);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(doc, v, depth + 1)]));
}

export interface Operation {
  path: string;
  method: (typeof METHODS)[number];
  op: Json & { operationId: string; responses: Record<string, Json>; parameters?: Json[]; requestBody?: Json; security?: Array<Record<string, string[]>> };
  parameters: Array<{ name: string; in: string; required?: boolean; schema: Json }>;
  body?: Json;
}

/** Every operation of the document, with its parameters and request body schema resolved. */
export function operationsOf(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Operation['op'] | undefined;
      if (!op) continue;
      const parameters = [...((item.parameters as Json[]) ?? []), ...(op.parameters ?? [])].map((p) => deref(doc, p)) as Operation['parameters'];
      const body = (deref(doc, op.requestBody) as { content?: Record<string, { schema?: Json }> } | undefined)?.content?.['application/json']?.schema;
      out.push({ path, method, op, parameters, body });
    }
  }
  return out;
}

/** What is wrong with the document as OpenAPI 3.1; empty when nothing is. */
export function openApiProblems(doc: unknown): string[] {
  const parsed = documentSchema.safeParse(doc);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const problems: string[] = [];
  const root = doc as Json;

  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
    if (node === null || typeof node !== 'object') return;
    const ref = (node as Json).$ref;
    if (typeof ref === 'string' && pointer(root, ref) === undefined) problems.push(`${at}: $ref ${ref} does not resolve from the document's root`);
    for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
  };
  walk(root, '#');

  const schemes = ((root.components as Json | undefined)?.securitySchemes ?? {}) as Record<string, { flows?: Record<string, { scopes: Json }> }>;
  const ids = new Map<string, string>();
  const templates = new Map<string, string>();
  for (const { path, method, op, parameters, body } of operationsOf(root)) {
    const where = `${method.toUpperCase()} ${path}`;
    const normal = path.replace(/\{[^}]+\}/g, '{}');
    if (templates.has(normal) && templates.get(normal) !== path) problems.push(`${path}: the same template as ${templates.get(normal)}`);
    templates.set(normal, path);
    if (!op.operationId) problems.push(`${where}: no operationId`);
    else if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} also names ${ids.get(op.operationId)}`);
    else ids.set(op.operationId, where);
    const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const name of inTemplate) {
      const declared = parameters.find((p) => p.in === 'path' && p.name === name);
      if (!declared) problems.push(`${where}: path parameter {${name}} not declared`);
      else if (declared.required !== true) problems.push(`${where}: path parameter ${name} must be required: true`);
    }
    const seen = new Set<string>();
    for (const p of parameters) {
      if (p.in === 'path' && !inTemplate.includes(p.name)) problems.push(`${where}: path parameter ${p.name} is not in the template`);
      if (seen.has(`${p.in}:${p.name}`)) problems.push(`${where}: parameter ${p.in} ${p.name} twice`);
      seen.add(`${p.in}:${p.name}`);
      if (p.in === 'header' && /^(accept|content-type|authorization)$/i.test(p.name)) problems.push(`${where}: header ${p.name} is ignored by OpenAPI (3.1 §4.8.12.1)`);
      if (!p.schema && !(p as Json).content) problems.push(`${where}: parameter ${p.name} has neither schema nor content`);
    }
    if (['get', 'head', 'delete'].includes(method) && body) problems.push(`${where}: a request body on ${method}`);
    for (const requirement of op.security ?? ((root.security as Array<Record<string, string[]>>) ?? [])) {
      for (const [name, scopes] of Object.entries(requirement)) {
        const scheme = schemes[name];
        if (!scheme) problems.push(`${where}: security scheme ${name} not declared`);
        const known = new Set(Object.values(scheme?.flows ?? {}).flatMap((flow) => Object.keys(flow.scopes)));
        for (const scope of scopes) if (scheme?.flows && !known.has(scope)) problems.push(`${where}: scope ${scope} not in ${name}'s flows`);
      }
    }
    // Each schema must be one a JSON Schema reader takes.
    const schemas = [body, ...parameters.map((p) => p.schema), ...Object.values(op.responses).flatMap((r) => Object.values(((deref(root, r) as Json).content ?? {}) as Record<string, Json>).map((m) => m.schema))];
    for (const schema of schemas) {
      if (schema === undefined) continue;
      try {
        z.fromJSONSchema(deref(root, schema) as never);
      } catch (error) {
        problems.push(`${where}: a schema JSON Schema readers refuse: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/** Whether `value` matches a schema of the document (its $refs followed); the issues if not. */
export function mismatches(doc: unknown, schema: unknown, value: unknown): string[] {
  const parsed = z.fromJSONSchema(deref(doc, schema) as never).safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

let unique = 0;

/**
 * A value a schema accepts, built from it: an enum's first value, a default, the smallest
 * length or number allowed, the required properties and those `known` names. `known` gives
 * values by property name where a schema cannot say what the server accepts (a declared
 * account type, a name registration's rules take).
 */
export function exampleOf(schema: Json, known: Record<string, unknown> = {}, name = ''): unknown {
  if (name in known) return known[name];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('default' in schema) return schema.default;
  const alternatives = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (alternatives) return exampleOf(alternatives.find((s) => s.type !== 'null') ?? alternatives[0]!, known, name);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  const n = ++unique;
  switch (type) {
    case 'string': {
      if (schema.format === 'email') return `walk${n}.${Date.now().toString(36)}@example.com`;
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'uri') return 'https://example.com/';
      const text = `walk${n}${Date.now().toString(36)}`;
      const min = Number(schema.minLength ?? 0);
      const max = Number(schema.maxLength ?? 1000);
      return text.padEnd(min, 'x').slice(0, max);
    }
    case 'integer':
    case 'number':
      return Number(schema.minimum ?? schema.exclusiveMinimum ?? 0) + (schema.exclusiveMinimum !== undefined ? 1 : 0) || 1;
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Number(schema.minItems ?? 0) }, () => exampleOf((schema.items ?? {}) as Json, known));
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      const required = (schema.required ?? []) as string[];
      // The required properties, and the optional ones `known` names (an edit needs one field).
      const keys = [...new Set([...required, ...Object.keys(properties).filter((key) => key in known)])];
      return Object.fromEntries(keys.map((key) => [key, exampleOf(properties[key] ?? {}, known, key)]));
    }
    default:
      return null;
  }
}

/** A value of the wrong JSON type for a schema. */
export function wrongTypeFor(schema: Json): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  return type === 'string' ? 12345 : type === 'object' ? 'not an object' : type === 'array' ? { not: 'an array' } : 'not a number';
}

/** A query or path value a parameter's schema refuses, when the schema says enough to build one. */
export function refusedBy(schema: Json): string | undefined {
  if (Array.isArray(schema.enum)) return 'not-one-of-these';
  if (schema.type === 'integer' || schema.type === 'number') return 'not-a-number';
  if (schema.format === 'date-time') return 'yesterday';
  if (typeof schema.maxLength === 'number') return 'x'.repeat(schema.maxLength + 1);
  return undefined;
}
