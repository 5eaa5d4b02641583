/** Admin only: the audit log and API tokens. */
import { issueApiToken } from '../auth.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { defineRoute } from '../route-kit.js';
import type { RouteDefinition } from '../route-kit.js';
import type { ApiTokenRecord } from '../../store/store.js';
import {
  DEFAULT_LIMIT,
  auditListQuery,
  auditPageSchema,
  idParam,
  pageQuery,
  tokenCreateBody,
  tokenCreatedSchema,
  tokenPageSchema,
} from '../schemas.js';

/** A token as the API shows it: never its hash. */
export function tokenView(token: ApiTokenRecord) {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    createdAt: token.createdAt,
    revokedAt: token.revokedAt,
    lastUsedAt: token.lastUsedAt,
  };
}

export function adminRoutes(context: ServerContext): RouteDefinition[] {
  const { store } = context;
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/audit',
        operationId: 'listAudit',
        summary: 'The audit log, newest first',
        tag: 'admin',
        access: 'admin',
        audit: 'audit.list',
        query: auditListQuery,
        response: {
          status: 200,
          description: 'One page; `next` is the offset of the next one',
          schema: auditPageSchema,
        },
      },
      async ({ query }) => {
        const limit = query.limit ?? DEFAULT_LIMIT;
        const offset = query.offset ?? 0;
        if (offset + limit > 10_000)
          throw new ApiError(
            400,
            'invalid-request',
            'query.offset: page with `since` beyond the 10,000 newest entries',
            {
              field: 'query.offset',
            },
          );
        const rows = await store.listAudit({
          ...(query.since !== undefined ? { since: query.since } : {}),
          ...(query.actor !== undefined ? { actor: query.actor } : {}),
          ...(query.action !== undefined ? { action: query.action } : {}),
          limit: offset + limit + 1,
        });
        return {
          items: rows
            .slice(offset, offset + limit)
            .map((entry) => ({ ...entry, detail: entry.detail === null ? null : { ...entry.detail } })),
          next: rows.length > offset + limit ? offset + limit : null,
        };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/tokens',
        operationId: 'listTokens',
        summary: 'API tokens (never their secrets), oldest first',
        tag: 'admin',
        access: 'admin',
        audit: 'tokens.list',
        query: pageQuery,
        response: { status: 200, description: 'One page', schema: tokenPageSchema },
      },
      async ({ query }) => {
        const limit = query.limit ?? DEFAULT_LIMIT;
        const offset = query.offset ?? 0;
        const all = await store.listApiTokens();
        return {
          items: all.slice(offset, offset + limit).map(tokenView),
          next: all.length > offset + limit ? offset + limit : null,
        };
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/tokens',
        operationId: 'createToken',
        summary: 'Create an API token; its secret is in this response and never again',
        tag: 'admin',
        access: 'admin',
        audit: 'tokens.create',
        body: tokenCreateBody,
        response: { status: 201, description: 'The token, with its secret', schema: tokenCreatedSchema },
        errors: [409],
      },
      async ({ body, audit }) => {
        const { token, record } = await issueApiToken(store, body);
        audit(`token:${record.id}`, { name: record.name, role: record.role });
        return { ...tokenView(record), token };
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: '/tokens/:id',
        operationId: 'revokeToken',
        summary: 'Revoke an API token (effective at once, sessions included)',
        tag: 'admin',
        access: 'admin',
        audit: 'tokens.revoke',
        params: idParam,
        response: { status: 204, description: 'Revoked' },
        errors: [404, 409],
      },
      async ({ params, audit }) => {
        audit(`token:${params.id}`);
        const token = (await store.listApiTokens()).find((candidate) => candidate.id === params.id);
        if (token === undefined) throw new ApiError(404, 'not-found', `no token ${params.id}`);
        if (token.revokedAt !== null)
          throw new ApiError(409, 'already-revoked', `token ${params.id} was revoked at ${token.revokedAt}`);
        await store.revokeApiToken(params.id);
        return null;
      },
    ),
  ];
}
