/**
 * How a route is declared: one object says its method, path, who may call it, what it audits, and the zod
 * schemas of its parameters, query, body and response. `mountRoutes` registers the handler behind the
 * checks (validation → 400 naming the field); the role and CSRF checks run in `server.ts`'s request hook
 * from the same declaration; `openapi.ts` documents every declared route. A route cannot exist without
 * its declaration, so none can be left out of the document or the role checks.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { TokenRole } from '../store/store.js';
import type { Principal } from './auth.js';
import { ApiError, zodHttpError } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Per-request state the hooks and handlers share. */
export interface RequestState {
  principal: Principal | undefined;
  /** Audit action, target and facts, filled in as the request goes. */
  action: string | undefined;
  target: string | null;
  detail: Record<string, unknown>;
  /** Forces the audit outcome (e.g. `denied` for a refused upload name). */
  outcome: 'ok' | 'denied' | 'error' | undefined;
  /** The request was written to the audit log already (streams audit when they open). */
  audited: boolean;
  /** Why authentication failed, for the audit entry. */
  authFailure: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    bg: RequestState;
  }
  interface FastifyContextConfig {
    /** Set by `mountRoutes` from the declaration. */
    access?: 'public' | TokenRole;
    audit?: string | null;
  }
}

export interface RouteSpec {
  readonly method: HttpMethod;
  /** Under the API prefix, fastify syntax: `/incidents/:id`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  /** `public` needs no token; otherwise the lowest role allowed. */
  readonly access: 'public' | TokenRole;
  /** Audit action name; null for routes that touch no data (the health check). */
  readonly audit: string | null;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Non-JSON request bodies (uploads), described for the document only. */
  readonly rawBody?: Readonly<Record<string, { readonly description: string }>>;
  readonly response: {
    readonly status: number;
    readonly description: string;
    readonly schema?: z.ZodType;
    /** Default application/json. */
    readonly contentType?: string;
  };
  /** Error statuses worth documenting beyond the ones every authenticated route has (401, 403, 429). */
  readonly errors?: readonly number[];
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<S extends RouteSpec> {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** Undefined only on public routes. */
  readonly principal: S['access'] extends 'public' ? Principal | undefined : Principal;
  readonly params: Parsed<S['params']>;
  readonly query: Parsed<S['query']>;
  readonly body: Parsed<S['body']>;
  /** Names what the request touched, for the audit log (`incident:12`). */
  readonly audit: (target: string | null, detail?: Record<string, unknown>) => void;
}

export interface RouteDefinition {
  readonly spec: RouteSpec;
  readonly handler: (context: RouteContext<RouteSpec>) => unknown;
}

/**
 * Declares a route. The handler returns the response body (sent with `spec.response.status`), or the
 * reply itself when it answered on its own (a stream).
 */
export function defineRoute<const S extends RouteSpec>(
  spec: S,
  handler: (context: RouteContext<S>) => unknown,
): RouteDefinition {
  return { spec, handler };
}

function parse<S extends z.ZodType>(
  schema: S | undefined,
  value: unknown,
  where: 'params' | 'query' | 'body',
): unknown {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) {
    const error = zodHttpError(result.error, where);
    throw new ApiError(
      error.status,
      error.code,
      error.message,
      error.field !== undefined ? { field: error.field } : {},
    );
  }
  return result.data;
}

export function mountRoutes(app: FastifyInstance, prefix: string, routes: readonly RouteDefinition[]): void {
  for (const { spec, handler } of routes) {
    app.route({
      method: spec.method,
      url: `${prefix}${spec.path}`,
      config: { access: spec.access, audit: spec.audit },
      // HEAD is not part of the API (and would start an endless event stream).
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        if (spec.body !== undefined) {
          const media = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          if (media !== 'application/json')
            throw new ApiError(415, 'unsupported-media-type', 'send the body as application/json');
        }
        const context: RouteContext<RouteSpec> = {
          request,
          reply,
          principal: request.bg.principal as Principal,
          params: parse(spec.params, request.params, 'params'),
          query: parse(spec.query, request.query, 'query'),
          body: parse(spec.body, request.body, 'body'),
          audit: (target, detail) => {
            request.bg.target = target;
            if (detail !== undefined) Object.assign(request.bg.detail, detail);
          },
        };
        const result = await handler(context);
        if (result === reply || reply.sent) return reply;
        reply.code(spec.response.status);
        if (spec.response.status === 204) return reply.send();
        return reply.send(result);
      },
    });
  }
}
