/** Alerts: search (keyset pages), one alert with its event and ATT&CK, and the live stream of new ones. */
import { z } from 'zod';
import type { AlertCursor, AlertFilter, AlertRecord } from '../../store/store.js';
import { alertAttack } from '../attack-views.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { defineRoute } from '../route-kit.js';
import type { RouteDefinition } from '../route-kit.js';
import {
  DEFAULT_LIMIT,
  alertDetailSchema,
  alertListQuery,
  alertPageSchema,
  alertSchema,
  idParam,
} from '../schemas.js';

const cursorSchema = z.tuple([z.string().max(40).nullable(), z.number().int().positive()]);

export function encodeCursor(alert: AlertRecord): string {
  return Buffer.from(JSON.stringify([alert.lastSeen, alert.id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): AlertCursor {
  try {
    const [lastSeen, id] = cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return { lastSeen, id };
  } catch {
    throw new ApiError(400, 'invalid-request', 'query.after: not a cursor this server gave out', {
      field: 'query.after',
    });
  }
}

export function alertRoutes(context: ServerContext): RouteDefinition[] {
  const { store } = context;
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/alerts',
        operationId: 'searchAlerts',
        summary: 'Search alerts, newest first; page with the `next` cursor',
        description:
          'Every filter narrows the result; comma-separated values match any of them. Values are data: ' +
          'they are passed to the database as parameters, never as SQL.',
        tag: 'alerts',
        access: 'viewer',
        audit: 'alerts.search',
        query: alertListQuery,
        response: { status: 200, description: 'One page', schema: alertPageSchema },
      },
      async ({ query, audit }) => {
        const filter: Omit<AlertFilter, 'limit' | 'after'> = {
          ...(query.since !== undefined ? { since: query.since } : {}),
          ...(query.until !== undefined ? { until: query.until } : {}),
          ...(query.level !== undefined ? { levels: query.level } : {}),
          ...(query.host !== undefined ? { hosts: query.host } : {}),
          ...(query.account !== undefined ? { accounts: query.account } : {}),
          ...(query.ip !== undefined ? { sourceIps: query.ip } : {}),
          ...(query.rule !== undefined ? { rule: query.rule } : {}),
          ...(query.technique !== undefined ? { technique: query.technique } : {}),
          ...(query.hunt !== undefined ? { huntId: query.hunt } : {}),
        };
        const limit = query.limit ?? DEFAULT_LIMIT;
        audit(null, { filter });
        // One extra row says whether there is a next page without a count.
        const rows = await store.listAlerts({
          ...filter,
          limit: limit + 1,
          ...(query.after !== undefined ? { after: decodeCursor(query.after) } : {}),
        });
        const items = rows.slice(0, limit);
        const next = rows.length > limit ? encodeCursor(items[items.length - 1]!) : null;
        return { items, next, ...(query.count === true ? { total: await store.countAlerts(filter) } : {}) };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/alerts/stream',
        operationId: 'streamAlerts',
        summary: 'New alerts as they are stored (server-sent events)',
        description:
          'Event `alert` carries an alert as in the search results; its `id:` is the alert id, so a client ' +
          'that reconnects with Last-Event-ID receives what it missed (at most 1,000). A comment line every ' +
          '15 s keeps the connection open.',
        tag: 'alerts',
        access: 'viewer',
        audit: 'alerts.stream',
        response: {
          status: 200,
          description: 'An endless text/event-stream',
          contentType: 'text/event-stream',
          schema: alertSchema,
        },
        errors: [503],
      },
      async ({ request, reply }) => {
        const header = request.headers['last-event-id'];
        const lastEventId =
          typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
        await context.streamOpened(request, reply);
        const stream = context.sse.start(request, reply);
        const unsubscribe = await context.feed.subscribe((alert) => {
          stream.send('alert', alert, alert.id);
        }, lastEventId);
        stream.onClose(unsubscribe);
        return reply;
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/alerts/:id',
        operationId: 'getAlert',
        summary: 'One alert: the event as logged, its occurrences, incidents and ATT&CK techniques',
        tag: 'alerts',
        access: 'viewer',
        audit: 'alerts.read',
        params: idParam,
        response: { status: 200, description: 'The alert', schema: alertDetailSchema },
        errors: [404],
      },
      async ({ params, audit }) => {
        audit(`alert:${params.id}`);
        const alert = await store.getAlert(params.id, { occurrenceLimit: 100 });
        if (alert === undefined) throw new ApiError(404, 'not-found', `no alert ${params.id}`);
        return { ...alert, attack: alertAttack(alert.rule.tags, context.attack) };
      },
    ),
  ];
}
