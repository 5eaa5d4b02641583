/**
 * The API over a real SQLite store with `app.inject`: the role matrix (every route × every role → the
 * status it must give, and the audit entry it must leave), authentication failures, request limits and
 * validation, injection strings kept as data, the failed-login limiter, CORS, security headers, the
 * dashboard session with its CSRF token, the OpenAPI document and the static files.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { generateToken, hashToken } from './auth.js';
import { serverFixture, storedAlert } from './server-fixture.js';
import type { ServerFixture } from './server-fixture.js';
import {
  alertDetailSchema,
  alertPageSchema,
  auditPageSchema,
  coverageSchema,
  heatmapSchema,
  huntPageSchema,
  huntSchema,
  incidentDetailSchema,
  incidentPageSchema,
  meSchema,
  rulePageSchema,
  statsSchema,
  timelineSchema,
  tokenPageSchema,
} from './schemas.js';

type Who = 'anonymous' | 'viewer' | 'analyst' | 'admin';
const WHO: readonly Who[] = ['anonymous', 'viewer', 'analyst', 'admin'];

let f: ServerFixture;
let incidentId: number;
let alertId: number;
let huntId: number;

async function seed(fixture: ServerFixture): Promise<void> {
  const { store } = fixture;
  const hunt = await store.startHunt({ actor: 'cli:alice', paths: ['/cases/ec-2024'] });
  huntId = hunt.id;
  await store.writeAlerts(hunt.id, [
    storedAlert({ host: 'dc01', account: 'alice', time: '2024-11-05T10:00:00Z', line: 1 }),
    storedAlert({ host: 'dc01', account: 'alice', time: '2024-11-05T12:00:00Z', line: 2 }),
    storedAlert({ host: 'ws07', account: 'bob', time: '2024-11-05T13:00:00Z', line: 3 }),
  ]);
  await store.finishHunt(hunt.id, { status: 'completed', stats: { events: 3 } });
  const alerts = await store.listAlerts({ hosts: ['dc01'] });
  alertId = alerts[0]!.id;
  const incident = await store.createIncident({ title: 'Brute force on dc01', severity: 'high' }, 'grouper');
  incidentId = incident.id;
  await store.addAlertsToIncident(
    incidentId,
    alerts.map((alert) => ({ alertId: alert.id, reason: { text: 'same host' } })),
    'grouper',
  );
}

beforeAll(async () => {
  f = await serverFixture();
  await seed(f);
});
afterAll(async () => f.close());

const tokenOf = (who: Who): string | undefined => (who === 'anonymous' ? undefined : f.tokens[who]);

// ---------------------------------------------------------------------------------------------------------
// The role matrix

interface Case {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Route as declared (for the coverage check against the OpenAPI document). */
  readonly route: string;
  readonly path: () => Promise<string> | string;
  readonly body?: () => unknown;
  readonly raw?: { readonly contentType: string; readonly payload: string };
  readonly action: string | null;
  readonly expect: Readonly<Record<Who, number>>;
  /** Validates a successful body. */
  readonly schema?: z.ZodType;
}

const read = (status = 200): Record<Who, number> => ({
  anonymous: 401,
  viewer: status,
  analyst: status,
  admin: status,
});
const analystUp = (status: number): Record<Who, number> => ({
  anonymous: 401,
  viewer: 403,
  analyst: status,
  admin: status,
});
const adminOnly = (status: number): Record<Who, number> => ({
  anonymous: 401,
  viewer: 403,
  analyst: 403,
  admin: status,
});
let nameCounter = 0;

const CASES: readonly Case[] = [
  {
    method: 'GET',
    route: '/health',
    path: () => '/health',
    action: null,
    expect: { anonymous: 200, viewer: 200, analyst: 200, admin: 200 },
  },
  {
    method: 'GET',
    route: '/openapi.json',
    path: () => '/openapi.json',
    action: 'openapi.read',
    expect: read(),
  },
  { method: 'GET', route: '/me', path: () => '/me', action: 'me.read', expect: read(), schema: meSchema },
  {
    method: 'POST',
    route: '/session',
    path: () => '/session',
    body: () => ({ token: f.tokens.viewer }),
    action: 'session.create',
    // Public: the token in the body is the credential, whoever calls.
    expect: { anonymous: 200, viewer: 200, analyst: 200, admin: 200 },
  },
  {
    method: 'DELETE',
    route: '/session',
    path: () => '/session',
    action: 'session.delete',
    expect: read(204),
  },
  {
    method: 'GET',
    route: '/incidents',
    path: () => '/incidents?status=new,triaging&limit=10',
    action: 'incidents.list',
    expect: read(),
    schema: incidentPageSchema,
  },
  {
    method: 'GET',
    route: '/incidents/:id',
    path: () => `/incidents/${incidentId}`,
    action: 'incidents.read',
    expect: read(),
    schema: incidentDetailSchema,
  },
  {
    method: 'GET',
    route: '/incidents/:id/timeline',
    path: () => `/incidents/${incidentId}/timeline`,
    action: 'incidents.timeline',
    expect: read(),
    schema: timelineSchema,
  },
  {
    method: 'PATCH',
    route: '/incidents/:id',
    path: () => `/incidents/${incidentId}`,
    body: () => ({ assignee: `analyst-${++nameCounter}` }),
    action: 'incidents.update',
    expect: analystUp(200),
  },
  {
    method: 'POST',
    route: '/incidents/:id/notes',
    path: () => `/incidents/${incidentId}/notes`,
    body: () => ({ text: 'checked the DC logs' }),
    action: 'incidents.note',
    expect: analystUp(201),
  },
  {
    method: 'GET',
    route: '/alerts',
    path: () => '/alerts?host=dc01&level=high&limit=1',
    action: 'alerts.search',
    expect: read(),
    schema: alertPageSchema,
  },
  {
    method: 'GET',
    route: '/alerts/:id',
    path: () => `/alerts/${alertId}`,
    action: 'alerts.read',
    expect: read(),
    schema: alertDetailSchema,
  },
  {
    method: 'POST',
    route: '/hunts',
    path: () => '/hunts?name=security.ndjson',
    raw: { contentType: 'application/octet-stream', payload: '{"not":"an alert"}\n' },
    action: 'hunts.create',
    expect: analystUp(202),
  },
  {
    method: 'GET',
    route: '/hunts',
    path: () => '/hunts?limit=5',
    action: 'hunts.list',
    expect: read(),
    schema: huntPageSchema,
  },
  {
    method: 'GET',
    route: '/hunts/:id',
    path: () => `/hunts/${huntId}`,
    action: 'hunts.read',
    expect: read(),
    schema: huntSchema,
  },
  // A finished hunt's event stream says `done` and ends, so it can be injected.
  {
    method: 'GET',
    route: '/hunts/:id/events',
    path: () => `/hunts/${huntId}/events`,
    action: 'hunts.watch',
    expect: read(),
  },
  {
    method: 'GET',
    route: '/rules',
    path: () => '/rules?level=high',
    action: 'rules.list',
    expect: read(),
    schema: rulePageSchema,
  },
  {
    method: 'GET',
    route: '/rules/coverage',
    path: () => '/rules/coverage',
    action: 'rules.coverage',
    expect: read(),
    schema: coverageSchema,
  },
  {
    method: 'GET',
    route: '/attack/heatmap',
    path: () => '/attack/heatmap',
    action: 'attack.heatmap',
    expect: read(),
    schema: heatmapSchema,
  },
  {
    method: 'GET',
    route: '/stats',
    path: () => '/stats',
    action: 'stats.read',
    expect: read(),
    schema: statsSchema,
  },
  {
    method: 'GET',
    route: '/audit',
    path: () => '/audit?limit=5',
    action: 'audit.list',
    expect: adminOnly(200),
    schema: auditPageSchema,
  },
  {
    method: 'GET',
    route: '/tokens',
    path: () => '/tokens',
    action: 'tokens.list',
    expect: adminOnly(200),
    schema: tokenPageSchema,
  },
  {
    method: 'POST',
    route: '/tokens',
    path: () => '/tokens',
    body: () => ({ name: `wallboard-${++nameCounter}`, role: 'viewer' }),
    action: 'tokens.create',
    expect: adminOnly(201),
  },
  {
    method: 'DELETE',
    route: '/tokens/:id',
    path: async () => {
      const token = await f.store.createApiToken({
        name: `temp-${++nameCounter}`,
        role: 'viewer',
        tokenHash: hashToken(generateToken()),
      });
      return `/tokens/${token.id}`;
    },
    action: 'tokens.revoke',
    expect: adminOnly(204),
  },
];

/** Streams that never end are checked for refusal only (their success is tested on a real socket). */
const STREAM_ROUTES = [{ method: 'GET', route: '/alerts/stream' }];

describe('role matrix: every route × every role', () => {
  for (const testCase of CASES)
    for (const who of WHO) {
      const status = testCase.expect[who];
      it(`${testCase.method} ${testCase.route} as ${who} → ${status}`, async () => {
        const before = (await f.store.listAudit({ limit: 1 }))[0]?.id ?? 0;
        const token = tokenOf(who);
        const response = await f.call(testCase.method, await testCase.path(), {
          ...(token !== undefined ? { token } : {}),
          ...(testCase.body !== undefined ? { body: testCase.body() } : {}),
          ...(testCase.raw !== undefined
            ? { headers: { 'content-type': testCase.raw.contentType }, payload: testCase.raw.payload }
            : {}),
        });
        expect(response.statusCode, response.body).toBe(status);
        if (status < 300 && testCase.schema !== undefined) testCase.schema.parse(response.json());
        const entries = (await f.store.listAudit({ limit: 20 })).filter((entry) => entry.id > before);
        if (testCase.action === null) {
          expect(entries).toEqual([]);
          return;
        }
        expect(entries.length).toBe(1);
        const entry = entries[0]!;
        expect(entry).toMatchObject({
          // Logging in is done by the token in the body, whoever sends it.
          actor:
            testCase.action === 'session.create'
              ? 'viewer-token'
              : who === 'anonymous'
                ? 'anonymous'
                : `${who}-token`,
          action: testCase.action,
          fromAddress: '127.0.0.1',
          outcome: status < 400 ? 'ok' : 'denied',
        });
        expect(entry.detail).toMatchObject({ status, method: testCase.method });
        if (status === 401) expect(entry.detail).toMatchObject({ reason: 'no-credentials' });
      });
    }

  it('refuses event streams without a token', async () => {
    for (const stream of STREAM_ROUTES) {
      const response = await f.call('GET', stream.route);
      expect(response.statusCode).toBe(401);
    }
  });

  it('covers every route the OpenAPI document lists', async () => {
    const document = (await f.call('GET', '/openapi.json', { token: f.tokens.viewer })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map(
        (method) => `${method.toUpperCase()} ${path.replace('/api/v1', '').replace(/\{(\w+)\}/g, ':$1')}`,
      ),
    );
    const tested = [
      ...CASES.map((c) => `${c.method} ${c.route}`),
      ...STREAM_ROUTES.map((s) => `${s.method} ${s.route}`),
    ];
    expect([...new Set(tested)].sort()).toEqual([...new Set(documented)].sort());
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('authentication', () => {
  const lastAudit = async () => (await f.store.listAudit({ limit: 1 }))[0]!;

  it.each([
    ['a wrong token', () => ({ authorization: `Bearer ${generateToken()}` }), 'unknown-token'],
    ['a revoked token', () => ({ authorization: `Bearer ${f.tokens.revoked}` }), 'revoked-token'],
    ['a malformed token', () => ({ authorization: 'Bearer hunter2' }), 'malformed-token'],
    [
      'another scheme',
      () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }),
      'malformed-authorization',
    ],
    ['a session cookie nobody issued', () => ({ cookie: `bg_session=${'A'.repeat(43)}` }), 'unknown-session'],
  ])('refuses %s with 401, and audits why', async (_label, headers, reason) => {
    const response = await f.call('GET', '/incidents', { headers: headers() });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    expect(response.headers['www-authenticate']).toContain('Bearer');
    expect(await lastAudit()).toMatchObject({
      actor: 'anonymous',
      action: 'incidents.list',
      outcome: 'denied',
      detail: { reason },
    });
  });

  it('keeps only the hash: the secret is nowhere in the store', async () => {
    for (const token of await f.store.listApiTokens()) expect(token.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await f.store.findApiToken(f.tokens.viewer)).toBeUndefined();
    expect(await f.store.findApiToken(hashToken(f.tokens.viewer))).toMatchObject({ role: 'viewer' });
  });

  it('answers unknown API routes with 401 to strangers and 404 to token holders', async () => {
    expect((await f.call('GET', '/nothing-here')).statusCode).toBe(401);
    const known = await f.call('GET', '/nothing-here', { token: f.tokens.viewer });
    expect(known.statusCode).toBe(404);
    expect(known.json()).toMatchObject({ error: { code: 'not-found' } });
  });

  it('stops a revoked token at once, including a token created and revoked through the API', async () => {
    const created = await f.call('POST', '/tokens', {
      token: f.tokens.admin,
      body: { name: 'short-lived', role: 'analyst' },
    });
    const { id, token } = created.json<{ id: number; token: string }>();
    expect((await f.call('GET', '/me', { token })).json()).toMatchObject({
      name: 'short-lived',
      role: 'analyst',
    });
    expect((await f.call('DELETE', `/tokens/${id}`, { token: f.tokens.admin })).statusCode).toBe(204);
    expect((await f.call('GET', '/me', { token })).statusCode).toBe(401);
    expect((await f.call('DELETE', `/tokens/${id}`, { token: f.tokens.admin })).statusCode).toBe(409);
    const listed = (await f.call('GET', '/tokens', { token: f.tokens.admin })).json<{
      items: Record<string, unknown>[];
    }>();
    for (const item of listed.items) expect(item).not.toHaveProperty('tokenHash');
  });
});

describe('requests: limits and validation', () => {
  it('refuses a JSON body over the limit with 413', async () => {
    const response = await f.call('POST', `/incidents/${incidentId}/notes`, {
      token: f.tokens.analyst,
      body: { text: 'x'.repeat(70 * 1024) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: { code: 'body-too-large' } });
    expect((await f.store.listAudit({ limit: 1 }))[0]).toMatchObject({
      action: 'incidents.note',
      outcome: 'error',
      detail: { status: 413 },
    });
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await f.call('PATCH', `/incidents/${incidentId}`, {
      token: f.tokens.analyst,
      headers: { 'content-type': 'application/json' },
      payload: '{"status": "closed",',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'invalid-json' } });
  });

  it('refuses a JSON route called with another content type with 415', async () => {
    const response = await f.call('POST', `/incidents/${incidentId}/notes`, {
      token: f.tokens.analyst,
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(response.statusCode).toBe(415);
  });

  it.each([
    ['/incidents?limit=0', 'query.limit'],
    ['/incidents?limit=abc', 'query.limit'],
    ['/incidents?status=open', 'query.status'],
    ['/incidents?since=yesterday', 'query.since'],
    ['/incidents?colour=red', 'query'],
    ['/alerts?technique=T99', 'query.technique'],
    ['/alerts?after=bm9wZQ', 'query.after'],
    ['/incidents/0', 'params.id'],
    ['/incidents/12abc', 'params.id'],
  ])('refuses %s with 400 naming %s', async (path, field) => {
    const response = await f.call('GET', path, { token: f.tokens.viewer });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'invalid-request', field } });
  });

  it.each([
    [{ status: 'resolved' }, 'body.status'],
    [{ assignee: '' }, 'body.assignee'],
    [{}, 'body'],
    [{ status: 'closed', extra: 1 }, 'body'],
  ])('refuses the patch %j with 400 naming %s', async (body, field) => {
    const response = await f.call('PATCH', `/incidents/${incidentId}`, { token: f.tokens.analyst, body });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { field: string } }>().error.field).toBe(field);
  });

  it('refuses prototype pollution in JSON bodies', async () => {
    const response = await f.call('PATCH', `/incidents/${incidentId}`, {
      token: f.tokens.analyst,
      headers: { 'content-type': 'application/json' },
      payload: '{"assignee":"x","__proto__":{"admin":true}}',
    });
    expect(response.statusCode).toBe(400);
  });

  it('answers a missing incident with 404 and a workflow violation with 409', async () => {
    expect((await f.call('GET', '/incidents/999999', { token: f.tokens.viewer })).statusCode).toBe(404);
    expect(
      (await f.call('PATCH', '/incidents/999999', { token: f.tokens.analyst, body: { status: 'closed' } }))
        .statusCode,
    ).toBe(404);
    const incident = await f.store.createIncident({ title: 'workflow', severity: 'low' }, 'grouper');
    const fp = await f.call('PATCH', `/incidents/${incident.id}`, {
      token: f.tokens.analyst,
      body: { status: 'false_positive' },
    });
    expect(fp.statusCode).toBe(409);
    expect(fp.json<{ error: { message: string } }>().error.message).toContain('note');
    const ok = await f.call('PATCH', `/incidents/${incident.id}`, {
      token: f.tokens.analyst,
      body: { status: 'false_positive', note: 'scheduled pen test' },
    });
    expect(ok.statusCode).toBe(200);
    const back = await f.call('PATCH', `/incidents/${incident.id}`, {
      token: f.tokens.analyst,
      body: { status: 'contained' },
    });
    expect(back.statusCode).toBe(409);
    const timeline = (
      await f.call('GET', `/incidents/${incident.id}/timeline`, { token: f.tokens.viewer })
    ).json<{
      items: { kind: string; actor: string | null; summary: string }[];
    }>();
    expect(timeline.items.map((entry) => entry.kind)).toEqual(['created', 'status', 'note']);
    expect(timeline.items[1]).toMatchObject({ actor: 'analyst-token' });
  });
});

describe('injection strings are data', () => {
  const HOSTILE = `'); DROP TABLE incidents; -- <script>alert("x")</script> %_\\ \u202e`;

  it('stores a hostile note verbatim and returns it as JSON data', async () => {
    const created = await f.call('POST', `/incidents/${incidentId}/notes`, {
      token: f.tokens.analyst,
      body: { text: HOSTILE },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json<{ text: string }>().text).toBe(HOSTILE);
    expect(created.headers['content-type']).toMatch(/^application\/json/);
    const detail = (await f.call('GET', `/incidents/${incidentId}`, { token: f.tokens.viewer })).json<{
      notes: { text: string }[];
    }>();
    expect(detail.notes.map((note) => note.text)).toContain(HOSTILE);
    expect(await f.store.countIncidents()).toBeGreaterThan(0);
  });

  it.each([
    ['host', "dc01' OR '1'='1"],
    ['account', 'alice" OR 1=1 --'],
    ['rule', "%' UNION SELECT token_hash FROM api_tokens --"],
    ['ip', "1.1.1.1'); DELETE FROM alerts; --"],
  ])('treats the %s filter %j as a value: nothing matches, nothing changes', async (name, value) => {
    const before = await f.store.countAlerts();
    const response = await f.call('GET', `/alerts?${name}=${encodeURIComponent(value)}`, {
      token: f.tokens.viewer,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ items: unknown[] }>().items).toEqual([]);
    expect(await f.store.countAlerts()).toBe(before);
    expect((await f.store.listAudit({ limit: 1 }))[0]!.detail).toMatchObject({
      filter: expect.any(Object) as unknown,
    });
  });

  it('finds incidents by title text literally', async () => {
    const response = await f.call('GET', `/incidents?q=${encodeURIComponent("%' OR 1=1 --")}`, {
      token: f.tokens.viewer,
    });
    expect(response.json()).toMatchObject({ items: [], total: 0 });
  });
});

describe('alert search pages with a cursor', () => {
  it('walks every alert once, newest first', async () => {
    const seen: number[] = [];
    let after: string | null = null;
    do {
      const query: string = after === null ? '/alerts?limit=1&count=true' : `/alerts?limit=1&after=${after}`;
      const page = (await f.call('GET', query, { token: f.tokens.viewer })).json<{
        items: { id: number }[];
        next: string | null;
        total?: number;
      }>();
      if (after === null) expect(page.total).toBe(await f.store.countAlerts());
      seen.push(...page.items.map((item) => item.id));
      after = page.next;
    } while (after !== null);
    expect(seen.length).toBe(await f.store.countAlerts());
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('failed authentication is rate-limited per address', () => {
  let limited: ServerFixture;
  beforeAll(async () => {
    limited = await serverFixture({ limiter: { maxFailures: 3, windowMs: 60_000 }, hunting: false });
  });
  afterAll(async () => limited.close());

  it('answers 429 with Retry-After after the limit, for good tokens too, from that address only', async () => {
    const attacker = '203.0.113.7';
    for (let i = 0; i < 3; i++)
      expect(
        (await limited.call('GET', '/me', { token: generateToken(), remoteAddress: attacker })).statusCode,
      ).toBe(401);
    const blocked = await limited.call('GET', '/me', { token: generateToken(), remoteAddress: attacker });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(
      (await limited.call('GET', '/me', { token: limited.tokens.admin, remoteAddress: attacker })).statusCode,
    ).toBe(429);
    expect(
      (
        await limited.call('POST', '/session', {
          body: { token: limited.tokens.admin },
          remoteAddress: attacker,
        })
      ).statusCode,
    ).toBe(429);
    expect((await limited.call('GET', '/health', { remoteAddress: attacker })).statusCode).toBe(200);
    expect(
      (await limited.call('GET', '/me', { token: limited.tokens.viewer, remoteAddress: '198.51.100.2' }))
        .statusCode,
    ).toBe(200);

    const entries = await limited.store.listAudit({ limit: 100 });
    const fromAttacker = entries.filter((entry) => entry.fromAddress === attacker);
    expect(fromAttacker.filter((entry) => entry.detail?.['reason'] === 'unknown-token').length).toBe(3);
    // Only the first refusal of the window is written: a flood cannot fill the log.
    expect(fromAttacker.filter((entry) => entry.detail?.['status'] === 429).length).toBe(1);
  });

  it('counts failed logins through POST /session too', async () => {
    const guesser = '203.0.113.9';
    for (let i = 0; i < 3; i++)
      expect(
        (await limited.call('POST', '/session', { body: { token: generateToken() }, remoteAddress: guesser }))
          .statusCode,
      ).toBe(401);
    expect(
      (await limited.call('POST', '/session', { body: { token: generateToken() }, remoteAddress: guesser }))
        .statusCode,
    ).toBe(429);
  });
});

describe('CORS and security headers', () => {
  let cors: ServerFixture;
  beforeAll(async () => {
    cors = await serverFixture({ corsOrigins: ['https://soc.example.org'], hunting: false });
  });
  afterAll(async () => cors.close());

  it('refuses requests from origins not on the list, and answers listed ones', async () => {
    const evil = await cors.call('GET', '/me', {
      token: cors.tokens.viewer,
      headers: { origin: 'https://evil.example' },
    });
    expect(evil.statusCode).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const preflightEvil = await cors.call('OPTIONS', '/incidents', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'PATCH' },
    });
    expect(preflightEvil.statusCode).toBe(403);
    const preflight = await cors.call('OPTIONS', '/incidents/1', {
      headers: { origin: 'https://soc.example.org', 'access-control-request-method': 'PATCH' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://soc.example.org');
    expect(preflight.headers['access-control-allow-headers']).toContain('Authorization');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const listed = await cors.call('GET', '/me', {
      token: cors.tokens.viewer,
      headers: { origin: 'https://soc.example.org' },
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('https://soc.example.org');
    expect(listed.headers['vary']).toContain('Origin');
  });

  it('allows no cross-origin request by default, but same-origin ones', async () => {
    const response = await f.call('GET', '/me', {
      token: f.tokens.viewer,
      headers: { origin: 'https://soc.example.org' },
    });
    expect(response.statusCode).toBe(403);
    const same = await f.call('GET', '/me', {
      token: f.tokens.viewer,
      headers: { origin: 'http://localhost:80', host: 'localhost:80' },
    });
    expect(same.statusCode).toBe(200);
  });

  it('sends the security headers on every kind of response, and no HSTS without TLS', async () => {
    for (const response of [
      await f.call('GET', '/health'),
      await f.call('GET', '/incidents'),
      await f.call('GET', '/incidents/99999', { token: f.tokens.viewer }),
      await f.app.inject({ method: 'GET', url: '/' }),
    ]) {
      expect(response.headers['content-security-policy']).toContain("default-src 'self'");
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
    expect((await f.call('GET', '/me', { token: f.tokens.viewer })).headers['cache-control']).toBe(
      'no-store',
    );
  });
});

describe('dashboard session', () => {
  it('trades a token for an HttpOnly cookie; changes need the CSRF header; revocation ends it', async () => {
    const secret = generateToken();
    const token = await f.store.createApiToken({
      name: 'dashboard-user',
      role: 'analyst',
      tokenHash: hashToken(secret),
    });
    const login = await f.call('POST', '/session', { body: { token: secret } });
    expect(login.statusCode).toBe(200);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/^bg_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const { csrf } = login.json<{ csrf: string }>();
    const sessionCookie = cookie.split(';')[0]!;

    const me = await f.call('GET', '/me', { headers: { cookie: sessionCookie } });
    expect(me.json()).toMatchObject({ name: 'dashboard-user', via: 'session', csrf });
    const noCsrf = await f.call('PATCH', `/incidents/${incidentId}`, {
      headers: { cookie: sessionCookie },
      body: { assignee: 'dana' },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json()).toMatchObject({ error: { code: 'csrf' } });
    const wrongCsrf = await f.call('PATCH', `/incidents/${incidentId}`, {
      headers: { cookie: sessionCookie, 'x-ballotguard-csrf': 'x'.repeat(43) },
      body: { assignee: 'dana' },
    });
    expect(wrongCsrf.statusCode).toBe(403);
    const withCsrf = await f.call('PATCH', `/incidents/${incidentId}`, {
      headers: { cookie: sessionCookie, 'x-ballotguard-csrf': csrf },
      body: { assignee: 'dana' },
    });
    expect(withCsrf.statusCode).toBe(200);
    expect((await f.store.listAudit({ limit: 1 }))[0]).toMatchObject({
      actor: 'dashboard-user',
      detail: { via: 'session' },
    });

    await f.store.revokeApiToken(token.id);
    expect((await f.call('GET', '/me', { headers: { cookie: sessionCookie } })).statusCode).toBe(401);
  });

  it('logs out', async () => {
    const login = await f.call('POST', '/session', { body: { token: f.tokens.viewer } });
    const sessionCookie = String(login.headers['set-cookie']).split(';')[0]!;
    const { csrf } = login.json<{ csrf: string }>();
    // Logging out is a change too: without the CSRF header another site could end the session.
    expect((await f.call('DELETE', '/session', { headers: { cookie: sessionCookie } })).statusCode).toBe(403);
    const out = await f.call('DELETE', '/session', {
      headers: { cookie: sessionCookie, 'x-ballotguard-csrf': csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await f.call('GET', '/me', { headers: { cookie: sessionCookie } })).statusCode).toBe(401);
  });

  it('refuses a wrong token at login with 401 and audits it', async () => {
    const response = await f.call('POST', '/session', { body: { token: 'bg_wrong' } });
    expect(response.statusCode).toBe(401);
    expect((await f.store.listAudit({ limit: 1 }))[0]).toMatchObject({
      actor: 'anonymous',
      action: 'session.create',
      outcome: 'denied',
      detail: { reason: 'malformed-token' },
    });
  });
});

describe('OpenAPI document', () => {
  it('documents every mounted API route with its role, parameters and responses', async () => {
    const document = (await f.call('GET', '/openapi.json', { token: f.tokens.viewer })).json<{
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { 'x-ballotguard-role': string; responses: Record<string, unknown>; parameters: { name: string }[] }
        >
      >;
    }>();
    expect(document.openapi).toBe('3.1.0');
    const mounted = new Set(f.app.mountedApiRoutes.map((route) => route.replace(/:(\w+)/g, '{$1}')));
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect(mounted.size).toBeGreaterThan(20);
    expect([...mounted].sort()).toEqual([...documented].sort());
    const incidents = document.paths['/api/v1/incidents']!['get']!;
    expect(incidents['x-ballotguard-role']).toBe('viewer');
    expect(incidents.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['status', 'limit', 'offset', 'q']),
    );
    expect(Object.keys(incidents.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '429']),
    );
    expect(document.paths['/api/v1/tokens']!['post']!['x-ballotguard-role']).toBe('admin');
  });
});

describe('dashboard files', () => {
  let web: ServerFixture;
  beforeAll(async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const root = mkdtempSync(join(tmpdir(), 'ballotguard-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Ballotguard</title>');
    writeFileSync(join(root, 'assets', 'app-3f2a1c.js'), 'console.log(1)');
    writeFileSync(join(root, '..', `${root.split('/').pop()}-secret.txt`), 'secret');
    symlinkSync('/etc/hostname', join(root, 'escape.txt'));
    web = await serverFixture({ webDir: root, hunting: false });
  });
  afterAll(async () => web.close());

  it('serves index.html at / and for dashboard routes, assets with long caching', async () => {
    const index = await web.app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.body).toContain('<title>Ballotguard</title>');
    expect((await web.app.inject({ method: 'GET', url: '/incidents/12' })).body).toContain(
      '<title>Ballotguard</title>',
    );
    const asset = await web.app.inject({ method: 'GET', url: '/assets/app-3f2a1c.js' });
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toContain('immutable');
    const again = await web.app.inject({
      method: 'GET',
      url: '/assets/app-3f2a1c.js',
      headers: { 'if-none-match': String(asset.headers['etag']) },
    });
    expect(again.statusCode).toBe(304);
    expect((await web.app.inject({ method: 'GET', url: '/missing.js' })).statusCode).toBe(404);
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/escape.txt',
    '/%00',
  ])('never serves a file outside the folder (%s)', async (url) => {
    const response = await web.app.inject({ method: 'GET', url });
    expect([400, 404]).toContain(response.statusCode);
    expect(response.body).not.toContain('secret');
  });
});
