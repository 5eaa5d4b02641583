/**
 * The OpenAPI 3.1 document of the API, generated from the route declarations (`route-kit.ts`): every
 * route the server mounts is in it, with its parameters, body and response schemas (converted from the
 * same zod schemas that validate requests), who may call it, and its errors.
 */
import { z } from 'zod';
import type { RouteDefinition, RouteSpec } from './route-kit.js';
import { errorSchema } from './schemas.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const converted = { ...(z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema) };
  // Embedded in the OpenAPI document, whose dialect is already JSON Schema 2020-12.
  delete converted['$schema'];
  return converted;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'The request is invalid; `error.field` names the part at fault',
  401: 'No valid token or session',
  403: 'The token may not do this (role), or the CSRF header is missing, or the Origin is not allowed',
  404: 'No such item',
  409: 'The change conflicts with the current state',
  413: 'The body is larger than allowed',
  415: 'Unsupported Content-Type',
  429: 'Too many failed authentication attempts from this address; see Retry-After',
  503: 'Busy or not available; see Retry-After',
};

/** Fastify `:id` → OpenAPI `{id}`. */
function openApiPath(prefix: string, path: string): string {
  return `${prefix}${path}`.replace(/:(\w+)/g, '{$1}');
}

function parametersOf(spec: RouteSpec): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (schema === undefined) continue;
    const object = jsonSchema(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...rest } = property as { description?: string };
      parameters.push({
        name,
        in: where,
        required: where === 'path' || (object.required ?? []).includes(name),
        ...(description !== undefined ? { description } : {}),
        schema: rest,
      });
    }
  }
  return parameters;
}

function operation(spec: RouteSpec): JsonSchema {
  const responses: Record<string, JsonSchema> = {
    [String(spec.response.status)]: {
      description: spec.response.description,
      ...(spec.response.status === 204
        ? {}
        : {
            content: {
              [spec.response.contentType ?? 'application/json']: spec.response.schema
                ? { schema: jsonSchema(spec.response.schema, 'output') }
                : {},
            },
          }),
    },
  };
  const errors = new Set<number>(spec.errors ?? []);
  if (spec.access !== 'public') [401, 403, 429].forEach((status) => errors.add(status));
  if (spec.params !== undefined || spec.query !== undefined || spec.body !== undefined) errors.add(400);
  for (const status of [...errors].sort((a, b) => a - b))
    responses[String(status)] = {
      description: STATUS_TEXT[status] ?? 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  const requestBody =
    spec.body !== undefined
      ? { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } }
      : spec.rawBody !== undefined
        ? {
            required: true,
            content: Object.fromEntries(
              Object.entries(spec.rawBody).map(([type, { description }]) => [
                type,
                { schema: { type: 'string', format: 'binary', description } },
              ]),
            ),
          }
        : undefined;
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    tags: [spec.tag],
    'x-ballotguard-role': spec.access,
    ...(spec.access === 'public' ? { security: [] } : {}),
    parameters: parametersOf(spec),
    ...(requestBody !== undefined ? { requestBody } : {}),
    responses,
  };
}

export function openApiDocument(options: {
  readonly prefix: string;
  readonly version: string;
  readonly routes: readonly RouteDefinition[];
}): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const { spec } of options.routes) {
    const path = openApiPath(options.prefix, spec.path);
    (paths[path] ??= {})[spec.method.toLowerCase()] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ballotguard API',
      version: options.version,
      description:
        'Incidents, alerts, hunts, rules and ATT&CK views of a Ballotguard store. Every route except ' +
        '`/health` and `POST /session` needs a token (`Authorization: Bearer bg_…`) or the dashboard session ' +
        'cookie; changes made with the cookie also need the `X-Ballotguard-CSRF` header. Roles: viewer ' +
        '(read) < analyst (+ change incidents, start hunts) < admin (+ tokens, audit log); each operation ' +
        'names its lowest role in `x-ballotguard-role`. Every request that reads or changes data is audited.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { session: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'an API token from `ballotguard token create`',
        },
        session: { type: 'apiKey', in: 'cookie', name: 'bg_session', description: 'from POST /session' },
      },
      schemas: { Error: jsonSchema(errorSchema, 'output') },
    },
    paths,
  };
}
