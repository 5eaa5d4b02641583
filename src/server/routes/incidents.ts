/** Incidents: list, show (with alerts, notes and kill chain), timeline, change, notes. */
import { allowedTransitions, transition } from '../../correlate/workflow.js';
import type { IncidentPatch } from '../../store/store.js';
import { incidentKillChain } from '../attack-views.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { defineRoute } from '../route-kit.js';
import type { RouteDefinition } from '../route-kit.js';
import {
  DEFAULT_LIMIT,
  idParam,
  incidentDetailSchema,
  incidentListQuery,
  incidentPageSchema,
  incidentPatchBody,
  incidentSchema,
  noteBody,
  noteSchema,
  timelineSchema,
} from '../schemas.js';

/** Alerts shown with an incident; the timeline and alert search page through the rest. */
const INCIDENT_ALERTS = 500;

export function incidentRoutes(context: ServerContext): RouteDefinition[] {
  const { store } = context;
  const mustExist = async (id: number) => {
    const incident = await store.getIncident(id, { alertLimit: 1 });
    if (incident === undefined) throw new ApiError(404, 'not-found', `no incident ${id}`);
    return incident;
  };
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/incidents',
        operationId: 'listIncidents',
        summary: 'Incidents, newest activity first, filtered and paged',
        tag: 'incidents',
        access: 'viewer',
        audit: 'incidents.list',
        query: incidentListQuery,
        response: { status: 200, description: 'One page and the total', schema: incidentPageSchema },
      },
      async ({ query }) => {
        const filter = {
          ...(query.status !== undefined ? { statuses: query.status } : {}),
          ...(query.severity !== undefined ? { severities: query.severity } : {}),
          ...(query.assignee !== undefined ? { assignee: query.assignee } : {}),
          ...(query.since !== undefined ? { since: query.since } : {}),
          ...(query.until !== undefined ? { until: query.until } : {}),
          ...(query.q !== undefined ? { text: query.q } : {}),
        };
        const [items, total] = await Promise.all([
          store.listIncidents({ ...filter, limit: query.limit ?? DEFAULT_LIMIT, offset: query.offset ?? 0 }),
          store.countIncidents(filter),
        ]);
        return { items, total };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/incidents/:id',
        operationId: 'getIncident',
        summary: 'One incident: its alerts (with why each joined), notes, kill chain and next statuses',
        tag: 'incidents',
        access: 'viewer',
        audit: 'incidents.read',
        params: idParam,
        response: { status: 200, description: 'The incident', schema: incidentDetailSchema },
        errors: [404],
      },
      async ({ params, audit }) => {
        audit(`incident:${params.id}`);
        const incident = await store.getIncident(params.id, { alertLimit: INCIDENT_ALERTS });
        if (incident === undefined) throw new ApiError(404, 'not-found', `no incident ${params.id}`);
        return {
          ...incident,
          ...incidentKillChain(incident, context.attack),
          transitions: [...allowedTransitions(incident.status)],
        };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/incidents/:id/timeline',
        operationId: 'getIncidentTimeline',
        summary: "The incident's story in time order: creation, alerts, changes, notes",
        tag: 'incidents',
        access: 'viewer',
        audit: 'incidents.timeline',
        params: idParam,
        response: { status: 200, description: 'Timeline entries (at most 1,000)', schema: timelineSchema },
        errors: [404],
      },
      async ({ params, audit }) => {
        audit(`incident:${params.id}`);
        await mustExist(params.id);
        return { items: await store.incidentTimeline(params.id, { limit: 1000 }) };
      },
    ),
    defineRoute(
      {
        method: 'PATCH',
        path: '/incidents/:id',
        operationId: 'updateIncident',
        summary: 'Change status, assignee, title or severity (each change is recorded in the timeline)',
        description:
          'Status changes follow the workflow (409 otherwise): new → triaging/contained/closed/false_positive; ' +
          'triaging → contained/closed/false_positive; contained → triaging/closed/false_positive; ' +
          'closed and false_positive → triaging. A false positive needs a `note`.',
        tag: 'incidents',
        access: 'analyst',
        audit: 'incidents.update',
        params: idParam,
        body: incidentPatchBody,
        response: { status: 200, description: 'The incident after the change', schema: incidentSchema },
        errors: [404, 409],
      },
      async ({ params, body, principal, audit }) => {
        audit(`incident:${params.id}`, { changes: Object.keys(body) });
        const current = await mustExist(params.id);
        if (body.status !== undefined && body.status !== current.status)
          transition(current.status, body.status, {
            actor: principal.name,
            at: new Date(),
            ...(body.note !== undefined ? { note: body.note } : {}),
          });
        const patch: IncidentPatch = {
          ...(body.status !== undefined ? { status: body.status } : {}),
          ...(body.assignee !== undefined ? { assignee: body.assignee } : {}),
          ...(body.title !== undefined ? { title: body.title } : {}),
          ...(body.severity !== undefined ? { severity: body.severity } : {}),
        };
        const updated = await store.updateIncident(params.id, patch, principal.name);
        if (body.note !== undefined) await store.addIncidentNote(params.id, principal.name, body.note);
        return updated;
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/incidents/:id/notes',
        operationId: 'addIncidentNote',
        summary: 'Add a note to an incident (stored and returned verbatim)',
        tag: 'incidents',
        access: 'analyst',
        audit: 'incidents.note',
        params: idParam,
        body: noteBody,
        response: { status: 201, description: 'The note', schema: noteSchema },
        errors: [404],
      },
      async ({ params, body, principal, audit }) => {
        audit(`incident:${params.id}`);
        await mustExist(params.id);
        return store.addIncidentNote(params.id, principal.name, body.text);
      },
    ),
  ];
}
