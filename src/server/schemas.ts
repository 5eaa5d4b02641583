/**
 * The API's shapes as zod schemas: request queries, parameters and bodies are validated with them, and the
 * OpenAPI document is generated from the same objects (`openapi.ts`), so the document cannot drift from
 * what the server checks. Response schemas describe what the handlers return; the route tests parse
 * real responses with them.
 */
import { z } from 'zod';
import { INCIDENT_STATUSES, TOKEN_ROLES } from '../store/store.js';
import { isoToMicros } from '../store/time.js';
import { RULE_LEVELS } from '../sigma/parse/ast.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
/** Offsets beyond this are refused: deep offset pages cost the database a scan of everything skipped. */
export const MAX_OFFSET = 100_000;

export const levelSchema = z.enum(RULE_LEVELS);
export const incidentStatusSchema = z.enum(INCIDENT_STATUSES);
export const roleSchema = z.enum(TOKEN_ROLES);

// ---------------------------------------------------------------------------------------------------------
// Query and path pieces (query values arrive as strings)

const wholeNumber = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(
      z.number().int().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`),
    );

export const limitQuery = wholeNumber('limit', 1, MAX_LIMIT)
  .optional()
  .describe(`page size (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})`);
export const offsetQuery = wholeNumber('offset', 0, MAX_OFFSET)
  .optional()
  .describe(`items to skip (default 0, at most ${MAX_OFFSET})`);

export const isoTime = z
  .string()
  .max(40)
  .refine((text) => isoToMicros(text) !== null, 'must be an ISO 8601 time like 2024-11-05T10:00:00Z');

const shortText = (max: number) => z.string().max(max, `at most ${max} characters`);

/** `a,b,c` → distinct values, each checked by `item`. */
const commaList = <T>(item: z.ZodType<T>, max: number) =>
  z
    .string()
    .max(2000)
    .transform((text, context): T[] => {
      const parts = [
        ...new Set(
          text
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part !== ''),
        ),
      ];
      if (parts.length === 0 || parts.length > max) {
        context.addIssue({ code: 'custom', message: `give 1 to ${max} comma-separated values` });
        return z.NEVER;
      }
      const values: T[] = [];
      for (const part of parts) {
        const checked = item.safeParse(part);
        if (!checked.success) {
          context.addIssue({
            code: 'custom',
            message: `'${part.slice(0, 60)}' is not accepted: ${checked.error.issues[0]?.message ?? 'invalid'}`,
          });
          return z.NEVER;
        }
        values.push(checked.data);
      }
      return values;
    });

export const idParam = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,14}$/, 'must be a positive whole number')
    .transform(Number)
    .describe('numeric id'),
});

const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .transform((text) => text === 'true' || text === '1')
  .optional();

// ---------------------------------------------------------------------------------------------------------
// Requests

/** Notes are kept exactly as written (no trimming): they are evidence. */
const noteText = shortText(20_000).refine((text) => text.trim() !== '', 'must not be blank');

export const sessionBody = z.object({ token: shortText(200).min(1, 'give the API token') }).strict();

export const incidentListQuery = z
  .object({
    status: commaList(incidentStatusSchema, INCIDENT_STATUSES.length)
      .optional()
      .describe('statuses, comma-separated (any of them)'),
    severity: commaList(levelSchema, RULE_LEVELS.length).optional().describe('severities, comma-separated'),
    assignee: shortText(200).optional(),
    since: isoTime.optional().describe('incidents last seen at or after this time'),
    until: isoTime.optional().describe('incidents first seen at or before this time'),
    q: shortText(200).optional().describe('part of the title, case-insensitive, taken literally'),
    limit: limitQuery,
    offset: offsetQuery,
  })
  .strict();

export const incidentPatchBody = z
  .object({
    status: incidentStatusSchema.optional(),
    assignee: shortText(200).trim().min(1, 'must not be empty (send null to unassign)').nullable().optional(),
    title: shortText(500).trim().min(1, 'must not be empty').optional(),
    severity: levelSchema.optional(),
    note: noteText
      .optional()
      .describe('recorded as a note with the change; required when marking a false positive'),
  })
  .strict()
  .refine(
    (body) =>
      body.status !== undefined ||
      body.assignee !== undefined ||
      body.title !== undefined ||
      body.severity !== undefined,
    'give at least one of status, assignee, title, severity',
  );

export const noteBody = z.object({ text: noteText }).strict();

export const alertListQuery = z
  .object({
    since: isoTime.optional().describe('alerts last seen at or after this time'),
    until: isoTime.optional().describe('alerts first seen at or before this time'),
    level: commaList(levelSchema, RULE_LEVELS.length).optional().describe('levels, comma-separated'),
    host: commaList(shortText(255), 50).optional().describe('host names, comma-separated, case-insensitive'),
    account: commaList(shortText(255), 50).optional().describe('account names, comma-separated'),
    ip: commaList(shortText(64), 50).optional().describe('source IP addresses, comma-separated'),
    rule: shortText(300).optional().describe('rule id, or part of a rule title'),
    technique: z
      .string()
      .regex(/^(attack\.)?[tT]\d{4}(\.\d{3})?$/, 'must look like T1003 or T1003.001')
      .optional()
      .describe('ATT&CK technique (includes its sub-techniques)'),
    hunt: wholeNumber('hunt', 1, Number.MAX_SAFE_INTEGER).optional().describe('alerts seen by this hunt'),
    limit: limitQuery,
    after: shortText(200).optional().describe('the `next` cursor of the previous page'),
    count: booleanQuery.describe('also count all matching alerts (`total`); costs a scan on large stores'),
  })
  .strict();

export const huntListQuery = z
  .object({
    status: z.enum(['running', 'completed', 'interrupted', 'failed']).optional(),
    limit: limitQuery,
    offset: offsetQuery,
  })
  .strict();

export const huntUploadQuery = z
  .object({
    name: shortText(255)
      .min(1)
      .optional()
      .describe('file name, for an application/octet-stream upload (one file per request)'),
  })
  .strict();

export const ruleListQuery = z
  .object({
    q: shortText(200).optional().describe('part of the id, title or path, case-insensitive'),
    level: commaList(levelSchema, RULE_LEVELS.length).optional(),
    technique: z
      .string()
      .regex(/^(attack\.)?[tT]\d{4}(\.\d{3})?$/, 'must look like T1003 or T1003.001')
      .optional(),
    limit: limitQuery,
    offset: offsetQuery,
  })
  .strict();

export const statsQuery = z
  .object({
    since: isoTime.optional(),
    until: isoTime.optional(),
    top: wholeNumber('top', 1, 100).optional().describe('length of the top lists (default 10)'),
  })
  .strict();

export const auditListQuery = z
  .object({
    since: isoTime.optional(),
    actor: shortText(200).optional(),
    action: shortText(200).optional(),
    limit: limitQuery,
    offset: offsetQuery,
  })
  .strict();

export const tokenCreateBody = z
  .object({
    name: shortText(100)
      .trim()
      .regex(/^[\w.@+-][\w.@+ -]*$/, 'letters, digits, spaces and . @ + - _ only')
      .min(1),
    role: roleSchema,
  })
  .strict();

export const pageQuery = z.object({ limit: limitQuery, offset: offsetQuery }).strict();

// ---------------------------------------------------------------------------------------------------------
// Responses

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

const ruleRef = z.object({
  id: z.string(),
  title: z.string(),
  level: levelSchema,
  tags: z.array(z.string()),
});

export const alertSchema = z.object({
  id: z.number().int(),
  fingerprint: z.string(),
  rule: ruleRef,
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
  count: z.number().int(),
  host: z.string().nullable(),
  account: z.string().nullable(),
  sourceIp: z.string().nullable(),
  source: z.object({
    path: z.string(),
    format: z.string(),
    line: z.number().int().optional(),
    record: z.number().int().optional(),
    offset: z.number().int().optional(),
  }),
  huntId: z.number().int().nullable(),
  lastHuntId: z.number().int().nullable(),
});

const techniqueRef = z.object({ id: z.string(), name: z.string().optional(), tactics: z.array(z.string()) });
const tacticRef = z.object({ shortname: z.string(), id: z.string().optional(), name: z.string().optional() });

export const alertDetailSchema = alertSchema.extend({
  event: z.unknown(),
  occurrences: z.array(
    z.object({
      path: z.string(),
      line: z.number().int().nullable(),
      record: z.number().int().nullable(),
      position: z.number(),
      at: z.string().nullable(),
      huntId: z.number().int().nullable(),
    }),
  ),
  incidents: z.array(z.object({ id: z.number().int(), title: z.string(), status: incidentStatusSchema })),
  attack: z.object({ techniques: z.array(techniqueRef), tactics: z.array(tacticRef) }),
});

export const alertPageSchema = z.object({
  items: z.array(alertSchema),
  next: z.string().nullable(),
  total: z.number().int().optional(),
});

export const incidentSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  status: incidentStatusSchema,
  severity: levelSchema,
  assignee: z.string().nullable(),
  groupKey: z.string().nullable(),
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
  alertCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const noteSchema = z.object({
  id: z.number().int(),
  incidentId: z.number().int(),
  author: z.string(),
  text: z.string(),
  at: z.string(),
});

const reasonSchema = z.object({ text: z.string(), detail: z.record(z.string(), z.unknown()).optional() });

export const killChainSchema = z.array(
  z.object({
    tactic: z.string(),
    id: z.string().optional(),
    name: z.string().optional(),
    firstSeen: z.string(),
    lastSeen: z.string(),
    techniques: z.array(
      z.object({
        id: z.string(),
        name: z.string().optional(),
        firstSeen: z.string(),
        lastSeen: z.string(),
        alerts: z.array(z.number().int()),
      }),
    ),
  }),
);

export const incidentDetailSchema = incidentSchema.extend({
  alerts: z.array(alertSchema.extend({ reason: reasonSchema, addedAt: z.string() })),
  notes: z.array(noteSchema),
  killChain: killChainSchema,
  /** ATT&CK techniques of member alerts whose tactic is unknown (no catalogue, no tactic tag). */
  unplacedTechniques: z.array(z.object({ id: z.string(), name: z.string().optional() })),
  transitions: z.array(incidentStatusSchema).describe('statuses the incident may move to next'),
});

export const incidentPageSchema = z.object({ items: z.array(incidentSchema), total: z.number().int() });

export const timelineSchema = z.object({
  items: z.array(
    z.object({
      at: z.string(),
      kind: z.enum(['created', 'alert', 'note', 'status', 'severity', 'assignee', 'title']),
      actor: z.string().nullable(),
      summary: z.string(),
      alertId: z.number().int().optional(),
      detail: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

export const huntProgressSchema = z.object({
  phase: z.enum(['queued', 'hunting', 'grouping', 'done']),
  files: z.number().int(),
  totalFiles: z.number().int(),
  bytes: z.number(),
  totalBytes: z.number(),
  events: z.number().int(),
  alerts: z.number().int(),
  stored: z.number().int(),
  newAlerts: z.number().int(),
  file: z.string().nullable(),
});

export const huntSchema = z.object({
  id: z.number().int(),
  status: z.enum(['queued', 'running', 'completed', 'interrupted', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  actor: z.string(),
  paths: z.array(z.string()),
  ruleSources: z.array(z.string()),
  rulesLoaded: z.number().int().nullable(),
  rulesFailed: z.number().int().nullable(),
  stats: z.record(z.string(), z.unknown()).nullable(),
  progress: huntProgressSchema.nullable().describe('live figures while this server runs the hunt'),
  error: z.string().optional(),
});

export const huntPageSchema = z.object({ items: z.array(huntSchema), next: z.number().int().nullable() });

export const huntAcceptedSchema = z.object({
  id: z.number().int(),
  status: z.literal('queued'),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int() })),
});

export const rulePageSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      level: levelSchema,
      tags: z.array(z.string()),
      path: z.string(),
      techniques: z.array(z.string()),
    }),
  ),
  total: z.number().int(),
});

const catalogueInfo = z.object({
  loaded: z.boolean(),
  domain: z.string().optional(),
  version: z.string().optional(),
  hint: z.string().optional(),
});

export const coverageSchema = z.object({
  catalogue: catalogueInfo,
  rules: z.number().int(),
  untagged: z.number().int(),
  totals: z.object({
    techniques: z.number().int(),
    coveredTechniques: z.number().int(),
    subtechniques: z.number().int(),
    coveredSubtechniques: z.number().int(),
  }),
  tactics: z.array(
    z.object({
      shortname: z.string(),
      id: z.string().optional(),
      name: z.string().optional(),
      techniques: z.number().int(),
      covered: z.number().int(),
    }),
  ),
  techniques: z.array(
    z.object({
      id: z.string(),
      name: z.string().optional(),
      tactics: z.array(z.string()),
      count: z.number().int(),
      rules: z.array(z.string()),
    }),
  ),
  uncovered: z.array(z.object({ id: z.string(), name: z.string(), tactics: z.array(z.string()) })),
});

export const heatmapSchema = z.object({
  catalogue: catalogueInfo,
  techniques: z.array(
    z.object({
      id: z.string(),
      name: z.string().optional(),
      tactics: z.array(z.string()),
      rules: z.number().int(),
      alertsSeen: z.number().int(),
    }),
  ),
  tactics: z.array(
    z.object({ shortname: z.string(), id: z.string().optional(), name: z.string().optional() }),
  ),
});

export const statsSchema = z.object({
  alerts: z.number().int(),
  alertsByLevel: z.record(z.string(), z.number().int()),
  alertsByDay: z.array(z.object({ day: z.string(), count: z.number().int() })),
  incidentsByStatus: z.record(z.string(), z.number().int()),
  topRules: z.array(
    z.object({ id: z.string(), title: z.string(), level: levelSchema, count: z.number().int() }),
  ),
  topHosts: z.array(z.object({ host: z.string(), count: z.number().int() })),
});

export const auditPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      at: z.string(),
      actor: z.string(),
      action: z.string(),
      target: z.string().nullable(),
      fromAddress: z.string().nullable(),
      outcome: z.enum(['ok', 'denied', 'error']),
      detail: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  next: z.number().int().nullable(),
});

export const tokenSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  role: roleSchema,
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

export const tokenPageSchema = z.object({ items: z.array(tokenSchema), next: z.number().int().nullable() });
export const tokenCreatedSchema = tokenSchema.extend({
  token: z.string().describe('the secret: shown this once, never again'),
});

export const sessionSchema = z.object({
  name: z.string(),
  role: roleSchema,
  csrf: z.string().describe('send it back in X-Ballotguard-CSRF on every change made with the cookie'),
});

export const meSchema = z.object({
  tokenId: z.number().int(),
  name: z.string(),
  role: roleSchema,
  via: z.enum(['bearer', 'session']),
  csrf: z.string().optional(),
});

export const healthSchema = z.object({ status: z.literal('ok') });
