/** Hunts: start one on uploaded files, list them, show one, watch its progress. */
import type { Readable } from 'node:stream';
import type { HuntRecord } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { HuntEvent, HuntProgressView } from '../hunt-service.js';
import { defineRoute } from '../route-kit.js';
import type { RouteDefinition } from '../route-kit.js';
import {
  DEFAULT_LIMIT,
  huntAcceptedSchema,
  huntListQuery,
  huntPageSchema,
  huntSchema,
  huntUploadQuery,
  idParam,
} from '../schemas.js';
import { UnsafeNameError, checkDeclaredLength, stageUpload } from '../uploads.js';

export function huntView(
  record: HuntRecord,
  live: { progress: HuntProgressView; error?: string } | undefined,
) {
  const queued = record.status === 'running' && live?.progress.phase === 'queued';
  return {
    id: record.id,
    status: queued ? ('queued' as const) : record.status,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    actor: record.actor,
    paths: [...record.paths],
    ruleSources: [...record.ruleSources],
    rulesLoaded: record.rulesLoaded,
    rulesFailed: record.rulesFailed,
    stats: record.stats === null ? null : { ...record.stats },
    progress: live === undefined ? null : { ...live.progress },
    ...(live?.error !== undefined ? { error: live.error } : {}),
  };
}

export function huntRoutes(context: ServerContext): RouteDefinition[] {
  const { store, hunts } = context;
  const view = (record: HuntRecord) => huntView(record, hunts.progressOf(record.id));
  return [
    defineRoute(
      {
        method: 'POST',
        path: '/hunts',
        operationId: 'startHunt',
        summary: 'Upload log files and hunt through them with the server’s rules',
        description:
          'Send `multipart/form-data` with one or more file parts, or one file as `application/octet-stream` ' +
          'with `?name=FILE`. Files are streamed to a private temporary folder (deleted after the hunt), up to ' +
          'the configured total size. A file name with a folder in it (`../x`, `a/b`, `C:\\x`) is refused and ' +
          'the attempt audited. The hunt runs in the background (one at a time, a few queued): watch it with ' +
          '`GET /hunts/{id}` or `GET /hunts/{id}/events`.',
        tag: 'hunts',
        access: 'analyst',
        audit: 'hunts.create',
        query: huntUploadQuery,
        rawBody: {
          'multipart/form-data': { description: 'one or more file parts (any field name)' },
          'application/octet-stream': { description: 'one file; name it with ?name=' },
        },
        response: { status: 202, description: 'Accepted and queued', schema: huntAcceptedSchema },
        errors: [413, 415, 503],
      },
      async ({ request, query, principal, audit }) => {
        audit(null);
        hunts.assertAccepting();
        checkDeclaredLength(request.headers['content-length'], context.uploads.maxBytes);
        let upload;
        try {
          upload = await stageUpload(
            request.body as Readable,
            request.headers['content-type'],
            query.name,
            context.uploads.root,
            { maxBytes: context.uploads.maxBytes, maxFiles: context.uploads.maxFiles },
          );
        } catch (error) {
          if (error instanceof UnsafeNameError) {
            request.bg.outcome = 'denied';
            audit(null, { refusedName: error.fileName.slice(0, 300), reason: error.reason });
          }
          throw error;
        }
        const files = upload.files.map((file) => ({ name: file.name, bytes: file.bytes }));
        const record = await hunts.submit(principal.name, upload);
        audit(`hunt:${record.id}`, { files, bytes: upload.totalBytes });
        return { id: record.id, status: 'queued', files };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/hunts',
        operationId: 'listHunts',
        summary: 'Hunts, newest first (CLI runs with --db and uploaded ones)',
        tag: 'hunts',
        access: 'viewer',
        audit: 'hunts.list',
        query: huntListQuery,
        response: {
          status: 200,
          description: 'One page; `next` is the offset of the next one',
          schema: huntPageSchema,
        },
      },
      async ({ query }) => {
        const limit = query.limit ?? DEFAULT_LIMIT;
        const offset = query.offset ?? 0;
        const rows = await store.listHunts({
          ...(query.status !== undefined ? { status: query.status } : {}),
          limit: Math.min(offset + limit + 1, 10_000),
        });
        const page = rows.slice(offset, offset + limit);
        return { items: page.map(view), next: rows.length > offset + limit ? offset + limit : null };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/hunts/:id',
        operationId: 'getHunt',
        summary: 'One hunt: status, statistics, and live progress while it runs',
        tag: 'hunts',
        access: 'viewer',
        audit: 'hunts.read',
        params: idParam,
        response: { status: 200, description: 'The hunt', schema: huntSchema },
        errors: [404],
      },
      async ({ params, audit }) => {
        audit(`hunt:${params.id}`);
        const record = await store.getHunt(params.id);
        if (record === undefined) throw new ApiError(404, 'not-found', `no hunt ${params.id}`);
        return view(record);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/hunts/:id/events',
        operationId: 'watchHunt',
        summary: 'Progress of a hunt as server-sent events',
        description:
          'Events: `progress` (the `progress` object of GET /hunts/{id}, a few times a second while it runs) ' +
          'and `done` (the hunt, once, then the stream ends). A hunt that already ended sends `done` at once.',
        tag: 'hunts',
        access: 'viewer',
        audit: 'hunts.watch',
        params: idParam,
        response: {
          status: 200,
          description: 'A text/event-stream',
          contentType: 'text/event-stream',
          schema: huntSchema,
        },
        errors: [404, 503],
      },
      async ({ request, reply, params, audit }) => {
        audit(`hunt:${params.id}`);
        const record = await store.getHunt(params.id);
        if (record === undefined) throw new ApiError(404, 'not-found', `no hunt ${params.id}`);
        await context.streamOpened(request, reply);
        const stream = context.sse.start(request, reply);
        const onEvent = (event: HuntEvent): void => {
          if (event.type === 'progress') stream.send('progress', event.progress);
          else {
            stream.send('done', huntView(event.hunt, hunts.progressOf(event.hunt.id)));
            stream.close();
          }
        };
        const stop = hunts.watch(params.id, onEvent);
        if (stop === undefined) {
          const latest = (await store.getHunt(params.id)) ?? record;
          stream.send('done', view(latest));
          stream.close();
          return reply;
        }
        stream.onClose(stop);
        const live = hunts.progressOf(params.id);
        if (live !== undefined) stream.send('progress', live.progress);
        return reply;
      },
    ),
  ];
}
