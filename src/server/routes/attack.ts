/** ATT&CK heatmap and the dashboard's figures. */
import { heatmapView } from '../attack-views.js';
import type { ServerContext } from '../context.js';
import { defineRoute } from '../route-kit.js';
import type { RouteDefinition } from '../route-kit.js';
import { heatmapSchema, statsQuery, statsSchema } from '../schemas.js';

/** Aggregates over every alert: cached this long, so a busy dashboard costs one scan per period. */
export const STATS_TTL_MS = 15_000;

export function attackRoutes(context: ServerContext): RouteDefinition[] {
  const stats = (since?: string, until?: string, top?: number) =>
    context.cache.get(`stats|${since ?? ''}|${until ?? ''}|${top ?? ''}`, () =>
      context.store.alertStats({
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(top !== undefined ? { top } : {}),
      }),
    );
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/attack/heatmap',
        operationId: 'attackHeatmap',
        summary: 'Per ATT&CK technique: rules that detect it and alerts seen',
        description: `Every active technique of the imported catalogue, plus any technique a rule or an alert names. Alert counts may be up to ${STATS_TTL_MS / 1000} s old.`,
        tag: 'attack',
        access: 'viewer',
        audit: 'attack.heatmap',
        response: { status: 200, description: 'The heatmap', schema: heatmapSchema },
      },
      async () => heatmapView(context.rules, context.attack, (await stats()).byTechnique),
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/stats',
        operationId: 'stats',
        summary: 'Dashboard figures: alerts by level and day, incidents by status, top rules and hosts',
        description: `Counted over stored alerts (each alert once); may be up to ${STATS_TTL_MS / 1000} s old.`,
        tag: 'attack',
        access: 'viewer',
        audit: 'stats.read',
        query: statsQuery,
        response: { status: 200, description: 'The figures', schema: statsSchema },
      },
      async ({ query }) => {
        const figures = await stats(query.since, query.until, query.top);
        return {
          alerts: figures.alerts,
          alertsByLevel: { ...figures.byLevel },
          alertsByDay: [...figures.byDay],
          incidentsByStatus: { ...figures.incidentsByStatus },
          topRules: [...figures.topRules],
          topHosts: [...figures.topHosts],
        };
      },
    ),
  ];
}
