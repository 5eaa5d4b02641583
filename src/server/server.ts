/**
 * `buildServer(options)`: the Ballotguard HTTP API (`/api/v1`) and the dashboard's static files, as a
 * fastify instance — `listen()` it, or test it with `app.inject()`.
 *
 * What every request goes through, in order (the hooks below):
 * 1. security headers (CSP `default-src 'self'`, nosniff, no referrer, no framing, HSTS under TLS) and
 *    strict CORS: a request whose Origin is neither this server nor in `corsOrigins` is refused (403);
 * 2. for the API: the failed-authentication limiter (429 + Retry-After), then authentication (Bearer
 *    token, or the dashboard's session cookie), the route's role, and the CSRF header for changes made
 *    with the cookie;
 * 3. validation of parameters, query and body (400 naming the field) and the handler;
 * 4. the audit entry, written before the response leaves.
 *
 * Slow clients cannot hold the server: headers must arrive within `headersMs`, the whole request within
 * `requestMs`, idle keep-alive sockets close after `keepAliveMs`, silent sockets after `idleMs`.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { Server as HttpsServer } from 'node:https';
import type {
  FastifyHttpsOptions,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { AttackIndex } from '../intel/attack/catalogue.js';
import { packageRoot } from '../paths.js';
import type { Store } from '../store/store.js';
import { AlertFeed, DEFAULT_ALERT_FEED } from './alert-feed.js';
import type { AlertFeedOptions } from './alert-feed.js';
import { RuleCatalogue } from './attack-views.js';
import {
  CSRF_HEADER,
  DEFAULT_LIMITER,
  DEFAULT_SESSIONS,
  FailureLimiter,
  SessionTable,
  TokenVerifier,
  roleAllows,
  safeEqual,
} from './auth.js';
import type { LimiterOptions, Principal, SessionOptions } from './auth.js';
import { Auditor } from './audit.js';
import type { AuditRecord } from './audit.js';
import { TtlCache } from './context.js';
import type { ServerContext } from './context.js';
import { ApiError, errorBody, toHttpError } from './errors.js';
import { HuntService } from './hunt-service.js';
import type { HuntSetup } from './hunt-service.js';
import { openApiDocument } from './openapi.js';
import { mountRoutes } from './route-kit.js';
import type { RouteDefinition } from './route-kit.js';
import { adminRoutes } from './routes/admin.js';
import { alertRoutes } from './routes/alerts.js';
import { attackRoutes } from './routes/attack.js';
import { huntRoutes } from './routes/hunts.js';
import { incidentRoutes } from './routes/incidents.js';
import { ruleRoutes } from './routes/rules.js';
import { sessionIdOf, systemRoutes } from './routes/system.js';
import { DEFAULT_SSE, SseHub } from './sse.js';
import type { SseOptions } from './sse.js';
import { registerStatic } from './static-files.js';

export const API_PREFIX = '/api/v1';

declare module 'fastify' {
  interface FastifyInstance {
    /** `METHOD /api/v1/path` of every API route mounted. */
    readonly mountedApiRoutes: readonly string[];
  }
}

export interface ServerTimeouts {
  /** The whole request (body included) must arrive within this (default 5 min, for large uploads). */
  readonly requestMs: number;
  /** Request headers must arrive within this (default 15 s). */
  readonly headersMs: number;
  /** An idle keep-alive connection is closed after this (default 5 s). */
  readonly keepAliveMs: number;
  /** A socket with no traffic at all is closed after this (default 2 min; event streams send heartbeats). */
  readonly idleMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = {
  requestMs: 300_000,
  headersMs: 15_000,
  keepAliveMs: 5_000,
  idleMs: 120_000,
};

export interface ServerOptions {
  readonly store: Store;
  /** Shown in the OpenAPI document. */
  readonly version?: string;
  /** The ATT&CK catalogue (names); without one, IDs only. */
  readonly attack?: AttackIndex;
  /** The rules for /rules and coverage (normally the ones hunts use). */
  readonly rules?: RuleCatalogue;
  /** How uploaded hunts run; without it POST /hunts answers 503. */
  readonly hunting?: HuntSetup;
  /** Serve HTTPS with this certificate and key (PEM). */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Origins (e.g. `https://soc.example.org`) allowed to call the API from a browser; none by default. */
  readonly corsOrigins?: readonly string[];
  /** Largest upload per request (default 1 GiB). */
  readonly maxUploadBytes?: number;
  readonly maxUploadFiles?: number;
  /** Where uploads are staged (default `$TMPDIR/ballotguard-uploads`). */
  readonly uploadDir?: string;
  /** Largest JSON body (default 64 KiB). */
  readonly bodyLimitBytes?: number;
  /** The dashboard's built files (default `dist/web` of the package, when it exists). */
  readonly webDir?: string;
  /** Trust X-Forwarded-* from a reverse proxy (fastify's `trustProxy`: true, a hop count or addresses). */
  readonly trustProxy?: boolean | string;
  readonly limiter?: Partial<LimiterOptions>;
  readonly sessions?: Partial<SessionOptions>;
  readonly sse?: Partial<SseOptions>;
  readonly alertFeed?: Partial<AlertFeedOptions>;
  readonly timeouts?: Partial<ServerTimeouts>;
  readonly logger?: FastifyServerOptions['logger'];
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const CSP =
  "default-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; object-src 'none'";

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query < 0 ? request.url : request.url.slice(0, query);
}

function isApi(path: string): boolean {
  return path === API_PREFIX || path.startsWith(`${API_PREFIX}/`);
}

export function defaultWebDir(): string | undefined {
  const dir = join(packageRoot(), 'dist', 'web');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const tls = options.tls !== undefined;
  const nodeServerOptions = { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: 2_000 };
  const common = {
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    trustProxy: options.trustProxy ?? false,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionTimeout: timeouts.idleMs,
    forceCloseConnections: true,
    return503OnClosing: true,
    onProtoPoisoning: 'error' as const,
    onConstructorPoisoning: 'error' as const,
    routerOptions: { maxParamLength: 200 },
  };
  const app = (options.tls !== undefined
    ? Fastify({
        ...common,
        https: { ...nodeServerOptions, cert: options.tls.cert, key: options.tls.key },
      } as FastifyHttpsOptions<HttpsServer>)
    : Fastify({ ...common, http: nodeServerOptions })) as unknown as FastifyInstance;

  const { store } = options;
  const attack = options.attack ?? new AttackIndex(undefined);
  const feed = new AlertFeed(store, { ...DEFAULT_ALERT_FEED, ...options.alertFeed }, (error) =>
    app.log.warn({ err: error }, 'alert stream: cannot read new alerts'),
  );
  const auditor = new Auditor(store, app.log);
  const hunts = new HuntService(store, options.hunting, feed, app.log);
  const corsOrigins = new Set(options.corsOrigins ?? []);
  const audit = async (request: FastifyRequest, status: number): Promise<void> => {
    request.bg.audited = true;
    const principal = request.bg.principal;
    const outcome =
      request.bg.outcome ??
      (status < 400 ? 'ok' : status === 401 || status === 403 || status === 429 ? 'denied' : 'error');
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const record: AuditRecord = {
      actor: principal?.name ?? 'anonymous',
      action: request.bg.action ?? request.routeOptions.config.audit ?? 'unknown-route',
      target: request.bg.target,
      fromAddress: request.ip,
      outcome,
      detail: {
        status,
        method: request.method,
        path: pathOf(request).slice(0, 300),
        ...(query !== '' ? { query: query.slice(0, 500) } : {}),
        ...(principal !== undefined
          ? { tokenId: principal.tokenId, role: principal.role, via: principal.via }
          : {}),
        ...(request.bg.authFailure !== undefined ? { reason: request.bg.authFailure } : {}),
        ...request.bg.detail,
      },
    };
    if (status === 429 && request.bg.authFailure === 'rate-limited')
      await auditor.writeThrottled(record, limiter.retryAfter(request.ip) || 60);
    else await auditor.write(record);
  };
  const limiter = new FailureLimiter({ ...DEFAULT_LIMITER, ...options.limiter });
  const context: ServerContext = {
    store,
    attack,
    rules: options.rules ?? new RuleCatalogue([]),
    hunts,
    feed,
    sse: new SseHub({ ...DEFAULT_SSE, ...options.sse }),
    sessions: new SessionTable({ ...DEFAULT_SESSIONS, ...options.sessions }),
    verifier: new TokenVerifier(store),
    limiter,
    auditor,
    uploads: {
      root: options.uploadDir ?? join(tmpdir(), 'ballotguard-uploads'),
      maxBytes: options.maxUploadBytes ?? 1024 * 1024 * 1024,
      maxFiles: options.maxUploadFiles ?? 100,
    },
    tls,
    version: options.version ?? '0.0.0',
    streamOpened: (request, reply) => audit(request, reply.statusCode),
    cache: new TtlCache(15_000),
  };

  const routes: RouteDefinition[] = [];
  let document: Record<string, unknown> | undefined;
  routes.push(
    ...systemRoutes(
      context,
      () => (document ??= openApiDocument({ prefix: API_PREFIX, version: context.version, routes })),
    ),
    ...incidentRoutes(context),
    ...alertRoutes(context),
    ...huntRoutes(context),
    ...ruleRoutes(context),
    ...attackRoutes(context),
    ...adminRoutes(context),
  );

  app.decorateRequest('bg', null as never);
  // Every route mounted under the API prefix, whoever mounted it: the OpenAPI test compares the two.
  const mounted: string[] = [];
  app.decorate('mountedApiRoutes', mounted);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (isApi(route.url))
      for (const method of methods) if (method !== 'HEAD') mounted.push(`${method} ${route.url}`);
  });

  // Uploads are streamed by their route, never buffered by a parser.
  app.addContentTypeParser(['application/octet-stream', 'multipart/form-data'], (_request, payload, done) =>
    done(null, payload),
  );

  app.addHook('onRequest', async (request, reply) => {
    request.bg = {
      principal: undefined,
      action: undefined,
      target: null,
      detail: {},
      outcome: undefined,
      audited: false,
      authFailure: undefined,
    };
    reply
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin')
      .header('cross-origin-resource-policy', 'same-origin')
      .header('permissions-policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    if (tls) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    const path = pathOf(request);
    if (isApi(path)) reply.header('cache-control', 'no-store');

    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) {
      if (!corsOrigins.has(origin))
        throw new ApiError(
          403,
          'origin-not-allowed',
          `requests from ${origin.slice(0, 200)} are not allowed (server.corsOrigins)`,
        );
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
        reply
          .header('access-control-allow-methods', 'GET, POST, PATCH, DELETE')
          .header(
            'access-control-allow-headers',
            `Authorization, Content-Type, ${CSRF_HEADER}, Last-Event-ID`,
          )
          .header('access-control-max-age', '600')
          .code(204)
          .send();
        return reply;
      }
      reply.header('access-control-expose-headers', 'Retry-After');
    }

    if (!isApi(path)) return;
    const config = request.routeOptions.config;
    if (config.audit === null) return;
    const wait = limiter.retryAfter(request.ip);
    if (wait > 0) {
      request.bg.authFailure = 'rate-limited';
      throw new ApiError(
        429,
        'too-many-failures',
        `too many failed authentication attempts from this address; try again in ${wait} s`,
        {
          headers: { 'Retry-After': String(wait) },
        },
      );
    }
    if (config.access === 'public') return;
    const principal = await authenticate(request);
    request.bg.principal = principal;
    const needed = config.access ?? 'viewer';
    if (!roleAllows(principal.role, needed))
      throw new ApiError(
        403,
        'forbidden',
        `this needs the ${needed} role; the token '${principal.name}' is ${principal.role}`,
      );
    if (principal.via === 'session' && !SAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      if (typeof header !== 'string' || principal.csrf === undefined || !safeEqual(header, principal.csrf))
        throw new ApiError(
          403,
          'csrf',
          `changes made with the session cookie need the ${CSRF_HEADER} header from POST /session`,
        );
    }
  });

  const authenticate = async (request: FastifyRequest): Promise<Principal> => {
    const fail = (reason: string, message: string): never => {
      limiter.recordFailure(request.ip);
      request.bg.authFailure = reason;
      throw new ApiError(401, 'unauthenticated', message, {
        headers: { 'WWW-Authenticate': 'Bearer realm="ballotguard"' },
      });
    };
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer +(\S+) *$/i.exec(header);
      if (match === null)
        return fail('malformed-authorization', 'the Authorization header must be `Bearer <token>`');
      const check = await context.verifier.verify(match[1]!);
      if (!check.ok)
        return fail(
          check.reason,
          check.reason === 'revoked-token' ? 'this token was revoked' : 'this token is not valid',
        );
      return { tokenId: check.token.id, name: check.token.name, role: check.token.role, via: 'bearer' };
    }
    const sessionId = sessionIdOf(request);
    if (sessionId !== undefined) {
      const session = context.sessions.find(sessionId);
      if (session === undefined) return fail('unknown-session', 'the session has ended; log in again');
      const check = await context.verifier.verifyHash(session.tokenHash);
      if (!check.ok) {
        context.sessions.delete(sessionId);
        return fail(check.reason, 'the token behind this session is no longer valid; log in again');
      }
      return {
        tokenId: check.token.id,
        name: check.token.name,
        role: check.token.role,
        via: 'session',
        sessionId,
        csrf: session.csrf,
      };
    }
    return fail('no-credentials', 'this needs an API token (Authorization: Bearer …) or a dashboard session');
  };

  app.addHook('onSend', async (request, reply, payload) => {
    const path = pathOf(request);
    if (
      isApi(path) &&
      !request.bg.audited &&
      request.routeOptions.config.audit !== null &&
      request.method !== 'OPTIONS'
    )
      await audit(request, reply.statusCode);
    // A refused request whose body was not read: close the connection rather than read the rest.
    if (reply.statusCode >= 400 && !request.raw.complete) reply.header('connection', 'close');
    return payload;
  });

  app.setErrorHandler(async (error, request, reply: FastifyReply) => {
    const mapped = toHttpError(error);
    if (mapped.unexpected) request.log.error({ err: error }, 'request failed');
    reply.code(mapped.status);
    for (const [name, value] of Object.entries(mapped.headers ?? {})) reply.header(name, value);
    return reply.type('application/json; charset=utf-8').send(errorBody(mapped));
  });

  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404).type('application/json; charset=utf-8');
    return errorBody({ code: 'not-found', message: `no route ${request.method} ${pathOf(request)}` });
  });

  mountRoutes(app, API_PREFIX, routes);
  registerStatic(app, { root: options.webDir ?? defaultWebDir() });

  app.addHook('onClose', async () => {
    feed.close();
    await hunts.close();
  });
  await hunts.recoverInterrupted();
  return app;
}
