/**
 * Uploaded hunts end to end inside the server (real files, rules, pipeline, store and grouping), the
 * upload limits and name checks, and what needs a real socket: the event streams (hunt progress, live
 * alerts with Last-Event-ID catch-up), chunked uploads past the cap, and slow clients.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedLogon, serverFixture, storedAlert } from './server-fixture.js';
import type { ServerFixture } from './server-fixture.js';

const BOUNDARY = 'bgTestBoundary0123456789';

function logons(
  count: number,
  options: { host: string; account: string; ip?: string; start?: string; stepSeconds?: number },
): string {
  const start = Date.parse(options.start ?? '2024-11-05T10:00:00Z');
  return Array.from(
    { length: count },
    (_, i) =>
      `${failedLogon({
        host: options.host,
        account: options.account,
        ip: options.ip ?? '10.0.0.9',
        time: new Date(start + i * (options.stepSeconds ?? 60) * 1000).toISOString(),
      })}\n`,
  ).join('');
}

function multipart(
  files: readonly { name: string; data: string }[],
  field?: { name: string; value: string },
): Buffer {
  const parts: string[] = [];
  if (field !== undefined)
    parts.push(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field.name}"\r\n\r\n${field.value}\r\n`,
    );
  for (const file of files)
    parts.push(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n${file.data}\r\n`,
    );
  parts.push(`--${BOUNDARY}--\r\n`);
  return Buffer.from(parts.join(''));
}

async function waitForHunt(fixture: ServerFixture, id: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const hunt = (await fixture.call('GET', `/hunts/${id}`, { token: fixture.tokens.viewer })).json<
      Record<string, unknown>
    >();
    if (hunt['status'] !== 'queued' && hunt['status'] !== 'running') return hunt;
    if (Date.now() > deadline) throw new Error(`hunt ${id} still ${String(hunt['status'])}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function listen(fixture: ServerFixture): Promise<string> {
  await fixture.app.listen({ host: '127.0.0.1', port: 0 });
  const address = fixture.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

interface SseEvent {
  readonly event: string;
  readonly id?: string;
  readonly data: unknown;
}

/** Opens an event stream and collects its events. */
function openStream(
  url: string,
  headers: Record<string, string>,
): Promise<{
  response: IncomingMessage;
  next: (event: string, timeoutMs?: number) => Promise<SseEvent>;
  events: SseEvent[];
  close: () => void;
  ended: Promise<void>;
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (response) => {
      const events: SseEvent[] = [];
      const waiters: (() => void)[] = [];
      let buffer = '';
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => (endedResolve = r));
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let split: number;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          let event = 'message';
          let id: string | undefined;
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0)
            events.push({
              event,
              ...(id !== undefined ? { id } : {}),
              data: JSON.parse(data.join('\n')) as unknown,
            });
          for (const waiter of waiters.splice(0)) waiter();
        }
      });
      response.on('end', endedResolve);
      response.on('close', endedResolve);
      let read = 0;
      const next = async (event: string, timeoutMs = 15_000): Promise<SseEvent> => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          while (read < events.length) {
            const candidate = events[read++]!;
            if (candidate.event === event) return candidate;
          }
          if (Date.now() > deadline)
            throw new Error(
              `no '${event}' event within ${timeoutMs} ms (got ${events.map((e) => e.event).join(', ')})`,
            );
          await new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 100);
          });
        }
      };
      resolve({ response, next, events, close: () => req.destroy(), ended });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('uploaded hunts', () => {
  let f: ServerFixture;
  let base: string;
  beforeAll(async () => {
    f = await serverFixture({ maxUploadBytes: 2 * 1024 * 1024, alertFeed: { pollMs: 100 } });
    base = await listen(f);
  });
  afterAll(async () => f.close());

  const uploadsLeft = (): string[] => {
    try {
      return readdirSync(join(f.dir, 'uploads'));
    } catch {
      return [];
    }
  };

  it('hunts an octet-stream upload, stores the alerts under the uploaded name and groups them into incidents', async () => {
    // Five failed logons: the store folds those of one rule, host and account within the hour into one alert.
    const data =
      logons(3, { host: 'dc01', account: 'alice' }) +
      logons(2, { host: 'ws42', account: 'mallory', ip: '10.9.9.9' });
    const accepted = await f.call('POST', '/hunts?name=security.ndjson', {
      token: f.tokens.analyst,
      headers: { 'content-type': 'application/octet-stream' },
      payload: data,
    });
    expect(accepted.statusCode).toBe(202);
    const { id, files } = accepted.json<{ id: number; files: { name: string; bytes: number }[] }>();
    expect(files).toEqual([{ name: 'security.ndjson', bytes: Buffer.byteLength(data) }]);
    const hunt = await waitForHunt(f, id);
    expect(hunt).toMatchObject({
      status: 'completed',
      actor: 'analyst-token',
      paths: ['security.ndjson'],
      rulesLoaded: 1,
      rulesFailed: 0,
      stats: {
        files: 1,
        events: 5,
        alerts: 5,
        store: { stored: 5, newAlerts: 2 },
        grouping: { grouped: 2, incidentsOpened: 2 },
      },
      progress: { phase: 'done', events: 5, totalFiles: 1 },
    });
    const alerts = (await f.call('GET', `/alerts?hunt=${id}&limit=50`, { token: f.tokens.viewer })).json<{
      items: { id: number; host: string; source: { path: string } }[];
    }>();
    expect(alerts.items.map((alert) => alert.source.path)).toEqual(
      Array(2).fill(`upload/hunt-${id}/security.ndjson`),
    );
    const incidents = (await f.call('GET', '/incidents?limit=50', { token: f.tokens.viewer })).json<{
      items: { id: number; title: string; alertCount: number }[];
    }>();
    expect(incidents.items.map((incident) => [incident.title, incident.alertCount]).sort()).toEqual([
      ['Failed logon to a domain account on dc01', 1],
      ['Failed logon to a domain account on ws42', 1],
    ]);
    const detail = (
      await f.call('GET', `/incidents/${incidents.items[0]!.id}`, { token: f.tokens.viewer })
    ).json<{
      alerts: { reason: { text: string } }[];
      killChain: { tactic: string; techniques: { id: string }[] }[];
    }>();
    expect(detail.killChain).toEqual([
      expect.objectContaining({
        tactic: 'credential-access',
        techniques: [expect.objectContaining({ id: 'T1110.001' })],
      }),
    ]);
    // Reasons speak of the store's incident numbers, not the engine's own names.
    expect(detail.alerts.map((alert) => alert.reason.text).join(' ')).not.toMatch(/INC-\d/);
    expect(uploadsLeft()).toEqual([]);

    // A second upload extends the open incident of the same host and account instead of opening another.
    const more = await f.call('POST', '/hunts?name=later.ndjson', {
      token: f.tokens.analyst,
      headers: { 'content-type': 'application/octet-stream' },
      payload: logons(1, { host: 'dc01', account: 'alice', start: '2024-11-05T11:00:00Z' }),
    });
    expect(await waitForHunt(f, more.json<{ id: number }>().id)).toMatchObject({
      stats: { grouping: { incidentsOpened: 0, incidentsExtended: 1 } },
    });
    const after = (await f.call('GET', '/incidents?q=dc01', { token: f.tokens.viewer })).json<{
      items: { alertCount: number }[];
      total: number;
    }>();
    expect(after).toMatchObject({ total: 1, items: [{ alertCount: 2 }] });
  });

  it('hunts several files of one multipart upload', async () => {
    const body = multipart(
      [
        {
          name: 'dc01-security.ndjson',
          data: logons(2, { host: 'dc03', account: 'carol', start: '2024-12-01T10:00:00Z' }),
        },
        {
          name: 'ws 7 (copy).ndjson',
          data: logons(1, { host: 'ws07', account: 'dave', start: '2024-12-01T10:00:00Z' }),
        },
      ],
      { name: 'comment', value: 'ignored' },
    );
    const accepted = await f.call('POST', '/hunts', {
      token: f.tokens.admin,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload: body,
    });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json<{ files: { name: string }[] }>().files.map((file) => file.name)).toEqual([
      'dc01-security.ndjson',
      'ws 7 (copy).ndjson',
    ]);
    const hunt = await waitForHunt(f, accepted.json<{ id: number }>().id);
    expect(hunt).toMatchObject({
      status: 'completed',
      stats: { files: 2, events: 3 },
      paths: ['dc01-security.ndjson', 'ws 7 (copy).ndjson'],
    });
  });

  it.each([
    ['octet-stream', '../../etc/cron.d/evil', undefined],
    ['octet-stream', '..\\..\\Windows\\evil.dll', undefined],
    ['multipart', undefined, '../../../root/.ssh/authorized_keys'],
    ['multipart', undefined, '/etc/passwd'],
  ])('refuses a path in an upload name (%s %s%s) and audits it as denied', async (kind, name, filename) => {
    const huntsBefore = (await f.store.listHunts()).length;
    const response =
      kind === 'octet-stream'
        ? await f.call('POST', `/hunts?name=${encodeURIComponent(name!)}`, {
            token: f.tokens.analyst,
            headers: { 'content-type': 'application/octet-stream' },
            payload: 'x',
          })
        : await f.call('POST', '/hunts', {
            token: f.tokens.analyst,
            headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
            payload: multipart([
              { name: 'ok.ndjson', data: 'x' },
              { name: filename!, data: 'pwned' },
            ]),
          });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'unsafe-filename', field: 'filename' } });
    expect((await f.store.listAudit({ limit: 1 }))[0]).toMatchObject({
      actor: 'analyst-token',
      action: 'hunts.create',
      outcome: 'denied',
      detail: { status: 400, reason: 'path-traversal', refusedName: name ?? filename },
    });
    expect((await f.store.listHunts()).length).toBe(huntsBefore);
    expect(uploadsLeft()).toEqual([]);
  });

  it('refuses uploads over the cap: by Content-Length before reading, and mid-stream when chunked', async () => {
    const declared = await f.call('POST', '/hunts?name=big.ndjson', {
      token: f.tokens.analyst,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(2 * 1024 * 1024 + 1, 0x61),
    });
    expect(declared.statusCode).toBe(413);
    expect(declared.json()).toMatchObject({ error: { code: 'upload-too-large' } });

    // Chunked: no length to check first, so the cap stops the stream once passed.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${base}/api/v1/hunts?name=stream.ndjson`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${f.tokens.analyst}`,
            'content-type': 'application/octet-stream',
          },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      req.on('error', (error) =>
        String(error).includes('EPIPE') || String(error).includes('ECONNRESET') ? undefined : reject(error),
      );
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      let sent = 0;
      const pump = (): void => {
        while (sent < 4 * 1024 * 1024 && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(uploadsLeft()).toEqual([]);
    expect((await f.store.listAudit({ limit: 1 }))[0]).toMatchObject({
      action: 'hunts.create',
      outcome: 'error',
      detail: { status: 413 },
    });
  });

  it('refuses an empty multipart upload and an unknown content type', async () => {
    const empty = await f.call('POST', '/hunts', {
      token: f.tokens.analyst,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload: multipart([], { name: 'comment', value: 'no files' }),
    });
    expect(empty.json()).toMatchObject({ error: { code: 'no-files' } });
    const wrongType = await f.call('POST', '/hunts', {
      token: f.tokens.analyst,
      headers: { 'content-type': 'application/json' },
      payload: '{"files":[]}',
    });
    expect(wrongType.statusCode).toBe(415);
    const noName = await f.call('POST', '/hunts', {
      token: f.tokens.analyst,
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'x',
    });
    expect(noName.json()).toMatchObject({ error: { field: 'query.name' } });
  });

  it('streams a hunt’s progress, then done', async () => {
    const accepted = await f.call('POST', '/hunts?name=bulk.ndjson', {
      token: f.tokens.analyst,
      headers: { 'content-type': 'application/octet-stream' },
      payload: logons(5000, { host: 'dc09', account: 'erin', start: '2025-01-01T00:00:00Z', stepSeconds: 1 }),
    });
    const { id } = accepted.json<{ id: number }>();
    const stream = await openStream(`${base}/api/v1/hunts/${id}/events`, {
      authorization: `Bearer ${f.tokens.viewer}`,
    });
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers['content-security-policy']).toContain("default-src 'self'");
    const done = await stream.next('done', 30_000);
    expect(done.data).toMatchObject({ id, status: 'completed', stats: { events: 5000 } });
    await stream.ended;
    const progress = stream.events.filter((event) => event.event === 'progress');
    // Subscribed before the end: at least the current state came first.
    if (progress.length > 0)
      expect(progress[0]!.data).toMatchObject({ totalFiles: 1, totalBytes: expect.any(Number) as unknown });
    expect((await f.store.listAudit({ action: 'hunts.watch', limit: 1 }))[0]).toMatchObject({
      actor: 'viewer-token',
      outcome: 'ok',
      target: `hunt:${id}`,
    });
  });

  it('streams new alerts as they are stored, whoever stores them, and catches up after a reconnect', async () => {
    const stream = await openStream(`${base}/api/v1/alerts/stream`, {
      authorization: `Bearer ${f.tokens.viewer}`,
    });
    expect(stream.response.statusCode).toBe(200);
    // Written by "another process" (straight to the store), like `ballotguard hunt --db`.
    await f.store.writeAlerts(null, [
      storedAlert({
        host: 'fs01',
        account: 'frank',
        time: '2025-02-01T10:00:00Z',
        line: 1,
        path: '/cli/a.ndjson',
      }),
    ]);
    const first = await stream.next('alert');
    expect(first.data).toMatchObject({ host: 'fs01', account: 'frank' });
    expect(first.id).toBe(String((first.data as { id: number }).id));
    stream.close();

    await f.store.writeAlerts(null, [
      storedAlert({
        host: 'fs02',
        account: 'gina',
        time: '2025-02-01T11:00:00Z',
        line: 2,
        path: '/cli/a.ndjson',
      }),
      storedAlert({
        host: 'fs03',
        account: 'hank',
        time: '2025-02-01T12:00:00Z',
        line: 3,
        path: '/cli/a.ndjson',
      }),
    ]);
    const again = await openStream(`${base}/api/v1/alerts/stream`, {
      authorization: `Bearer ${f.tokens.viewer}`,
      'last-event-id': first.id!,
    });
    const missed = [await again.next('alert'), await again.next('alert')];
    expect(missed.map((event) => (event.data as { host: string }).host)).toEqual(['fs02', 'fs03']);
    again.close();
  });
});

describe('hunting refused', () => {
  it('answers 503 when the server does not hunt, or its queue is full', async () => {
    const off = await serverFixture({ hunting: false });
    const response = await off.call('POST', '/hunts?name=a.ndjson', {
      token: off.tokens.analyst,
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'x',
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: { code: 'hunting-disabled' } });
    await off.close();

    const full = await serverFixture({ maxQueued: 0 });
    const busy = await full.call('POST', '/hunts?name=a.ndjson', {
      token: full.tokens.analyst,
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'x',
    });
    expect(busy.statusCode).toBe(503);
    expect(busy.json()).toMatchObject({ error: { code: 'hunt-queue-full' } });
    expect(busy.headers['retry-after']).toBe('30');
    await full.close();
  });
});

describe('slow clients', () => {
  it('closes a connection whose headers never finish', async () => {
    const slow = await serverFixture({ hunting: false, timeouts: { headersMs: 500 } });
    const base = await listen(slow);
    expect(slow.app.server.headersTimeout).toBe(500);
    expect(slow.app.server.requestTimeout).toBe(300_000);
    expect(slow.app.server.keepAliveTimeout).toBe(5_000);
    const port = Number(new URL(base).port);
    const started = Date.now();
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: '),
      );
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.setTimeout(15_000, () => {
        socket.destroy();
        resolve('still open');
      });
    });
    expect(outcome).not.toBe('still open');
    expect(outcome === '' || outcome.startsWith('HTTP/1.1 408')).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    await slow.close();
  });
});
