/** Health, the OpenAPI document, who am I, and the dashboard's login session. */
import type { FastifyRequest } from 'fastify';
import { SESSION_COOKIE, cookieValue, hashToken } from '../auth.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { defineRoute } from '../route-kit.js';
import type { RouteDefinition } from '../route-kit.js';
import { healthSchema, meSchema, sessionBody, sessionSchema } from '../schemas.js';

function sessionCookie(context: ServerContext, value: string, maxAgeSeconds: number): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(context.tls ? ['Secure'] : []),
  ].join('; ');
}

export function systemRoutes(
  context: ServerContext,
  document: () => Record<string, unknown>,
): RouteDefinition[] {
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/health',
        operationId: 'health',
        summary: 'Liveness check (no authentication; touches no data)',
        tag: 'system',
        access: 'public',
        audit: null,
        response: { status: 200, description: 'The server is up', schema: healthSchema },
      },
      () => ({ status: 'ok' }),
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/openapi.json',
        operationId: 'openapi',
        summary: 'This API described as OpenAPI 3.1',
        tag: 'system',
        access: 'viewer',
        audit: 'openapi.read',
        response: { status: 200, description: 'The OpenAPI document' },
      },
      () => document(),
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/me',
        operationId: 'me',
        summary: 'The token (or session) making this request',
        tag: 'system',
        access: 'viewer',
        audit: 'me.read',
        response: { status: 200, description: 'Who is calling', schema: meSchema },
      },
      ({ principal }) => ({
        tokenId: principal.tokenId,
        name: principal.name,
        role: principal.role,
        via: principal.via,
        ...(principal.csrf !== undefined ? { csrf: principal.csrf } : {}),
      }),
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/session',
        operationId: 'createSession',
        summary: 'Log the dashboard in: trade a token for an HttpOnly session cookie and a CSRF token',
        description:
          'The cookie is HttpOnly, SameSite=Strict, Secure under TLS, and ends after 12 h (2 h unused) or ' +
          'when the token is revoked. Failed attempts count towards the per-address limit.',
        tag: 'system',
        access: 'public',
        audit: 'session.create',
        body: sessionBody,
        response: {
          status: 200,
          description: 'Logged in; Set-Cookie carries the session',
          schema: sessionSchema,
        },
      },
      async ({ request, reply, body, audit }) => {
        const check = await context.verifier.verify(body.token.trim());
        if (!check.ok) {
          context.limiter.recordFailure(request.ip);
          request.bg.authFailure = check.reason;
          throw new ApiError(
            401,
            'unauthenticated',
            'that token is not valid (unknown, revoked or mistyped)',
          );
        }
        const token = check.token;
        const { id, session } = context.sessions.create(hashToken(body.token.trim()));
        request.bg.principal = { tokenId: token.id, name: token.name, role: token.role, via: 'session' };
        audit(`token:${token.id}`);
        reply.header(
          'set-cookie',
          sessionCookie(context, id, Math.floor(context.sessions.options.maxAgeMs / 1000)),
        );
        return { name: token.name, role: token.role, csrf: session.csrf };
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: '/session',
        operationId: 'deleteSession',
        summary: 'Log the dashboard out (ends the session cookie)',
        tag: 'system',
        access: 'viewer',
        audit: 'session.delete',
        response: { status: 204, description: 'Logged out' },
      },
      ({ request, reply }) => {
        const id = sessionIdOf(request);
        if (id !== undefined) context.sessions.delete(id);
        reply.header('set-cookie', sessionCookie(context, '', 0));
        return null;
      },
    ),
  ];
}

export function sessionIdOf(request: FastifyRequest): string | undefined {
  return cookieValue(request.headers.cookie, SESSION_COOKIE);
}
