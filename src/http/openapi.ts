import { z } from 'zod';
import { leastRoleWith } from '../auth/permissions';
import { defineRoute, errorSchema, type ApiRoute, type ResponseDoc } from './route';

/**
 * The OpenAPI 3.1 document, generated from the declared routes (route.ts): the same zod schemas
 * that validate requests become its JSON Schemas (`z.toJSONSchema`), and each operation states
 * how to authenticate and which permission it needs. Nothing here is written twice by hand.
 */

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

/** Response schemas with a `title` (e.g. Error, CommandResult) go to components once and are referenced. */
type Components = Record<string, Json>;

function responseSchema(schema: z.ZodType, components: Components): Json {
  const title = (schema.meta() as { title?: unknown } | undefined)?.title;
  if (typeof title !== 'string') return jsonSchema(schema, 'output');
  components[title] ??= jsonSchema(schema, 'output');
  return { $ref: `#/components/schemas/${title}` };
}

function response(doc: ResponseDoc, components: Components): Json {
  return {
    description: doc.description,
    ...(doc.schema ? { content: { 'application/json': { schema: responseSchema(doc.schema, components) } } } : {}),
  };
}

const ERROR: ResponseDoc = { description: '', schema: errorSchema };

function operationId(route: ApiRoute): string {
  const words = `${route.method} ${route.url}`
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1))).join('');
}

function accessText(route: ApiRoute): string {
  const { access } = route;
  if (access === 'public') return 'Public: no credentials.';
  if (access === 'authenticated') return 'Any authenticated principal (access token or API key).';
  return (
    `Requires the \`${access.permission}\` permission (role \`${leastRoleWith(access.permission)}\` or above; ` +
    'an API key must be scoped for it).'
  );
}

function operation(route: ApiRoute, components: Components): Json {
  const isPublic = route.access === 'public';
  const permission = typeof route.access === 'object' ? route.access.permission : null;
  const responses: Record<string, Json> = {};
  for (const [status, doc] of Object.entries(route.responses)) responses[status] = response(doc, components);
  if (route.params || route.query || route.body)
    responses['400'] ??= response(
      { ...ERROR, description: 'the request does not match the schema; `fields` names each problem' },
      components,
    );
  if (!isPublic)
    responses['401'] ??= response(
      {
        ...ERROR,
        description: 'no credentials, or they are invalid, expired or revoked (with `WWW-Authenticate: Bearer`)',
      },
      components,
    );
  if (permission)
    responses['403'] ??= response({ ...ERROR, description: `the principal lacks \`${permission}\`` }, components);
  return {
    operationId: operationId(route),
    tags: [route.tag],
    summary: route.summary,
    description: [route.description, accessText(route)].filter(Boolean).join('\n\n'),
    security: isPublic ? [] : [{ bearerAuth: [] }, { apiKeyAuth: [] }],
    'x-required-permission': permission,
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body
      ? {
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } },
        }
      : {}),
    responses,
  };
}

/** The document for these routes. Paths use OpenAPI's `{id}` for fastify's `:id`. */
export function openApiDocument(routes: readonly ApiRoute[], info: OpenApiInfo): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const schemas: Components = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route, schemas);
  }
  return {
    openapi: '3.1.0',
    info,
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An access token from POST /auth/login, or an API key (`sco_…`).',
        },
        apiKeyAuth: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'An API key from POST /auth/api-key.',
        },
      },
    },
  };
}

/** `GET /api/v1/openapi.json` (public), built once on first request from `routes()` (which includes this route). */
export function openApiRoute(routes: () => readonly ApiRoute[], info: OpenApiInfo): ApiRoute {
  let doc: Json | undefined;
  return defineRoute({
    method: 'GET',
    url: '/api/v1/openapi.json',
    tag: 'meta',
    summary: 'This document (OpenAPI 3.1)',
    access: 'public',
    responses: { 200: { description: 'the OpenAPI document' } },
    handler: async () => (doc ??= openApiDocument(routes(), info)),
  });
}
