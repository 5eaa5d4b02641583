/** The rules the server hunts with, and their ATT&CK coverage. */
import { coverageView } from '../attack-views.js';
import type { ServerContext } from '../context.js';
import { defineRoute } from '../route-kit.js';
import type { RouteDefinition } from '../route-kit.js';
import { DEFAULT_LIMIT, coverageSchema, ruleListQuery, rulePageSchema } from '../schemas.js';

export function ruleRoutes(context: ServerContext): RouteDefinition[] {
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/rules',
        operationId: 'listRules',
        summary: 'Rules loaded by this server (the ones uploaded hunts use), most severe first',
        tag: 'rules',
        access: 'viewer',
        audit: 'rules.list',
        query: ruleListQuery,
        response: { status: 200, description: 'One page and the total', schema: rulePageSchema },
      },
      ({ query }) => {
        const matching = context.rules.list({
          ...(query.q !== undefined ? { q: query.q } : {}),
          ...(query.level !== undefined ? { levels: query.level } : {}),
          ...(query.technique !== undefined ? { technique: query.technique } : {}),
        });
        const offset = query.offset ?? 0;
        return {
          items: matching.slice(offset, offset + (query.limit ?? DEFAULT_LIMIT)),
          total: matching.length,
        };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/rules/coverage',
        operationId: 'ruleCoverage',
        summary: 'ATT&CK coverage of the loaded rules: rules per technique, tactics, uncovered techniques',
        description:
          'A technique counts the rules tagged with it and with its sub-techniques (each rule once). Without ' +
          'an imported ATT&CK catalogue, techniques have no names and `uncovered` is empty.',
        tag: 'rules',
        access: 'viewer',
        audit: 'rules.coverage',
        response: { status: 200, description: 'The coverage report', schema: coverageSchema },
      },
      () => coverageView(context.rules, context.attack),
    ),
  ];
}
