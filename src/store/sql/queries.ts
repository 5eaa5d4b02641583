/**
 * SELECTs shared by both dialects, built from the typed filters. Every value is a parameter; only column
 * names and fixed SQL are spliced into the text.
 */
import { RULE_LEVELS } from '../../sigma/parse/ast.js';
import type { AlertEntities } from '../alert-entities.js';
import { entityFilterValue } from '../alert-entities.js';
import { StoreError } from '../errors.js';
import type { AlertFilter, IncidentFilter } from '../store.js';
import { INCIDENT_STATUSES, pageSize } from '../store.js';
import { isoToMicros } from '../time.js';
import type { SqlValue } from './executor.js';
import { ALERT_COLUMNS } from './rows.js';

export class Params {
  readonly values: SqlValue[] = [];
  add(value: SqlValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  list(values: readonly SqlValue[]): string {
    return values.map((value) => this.add(value)).join(', ');
  }
}

export function timeParam(name: string, iso: string): number {
  const micros = isoToMicros(iso);
  if (micros === null)
    throw new StoreError(
      'invalid',
      `${name} must be an ISO 8601 time like 2021-05-04T10:00:00Z (got '${iso}')`,
      false,
    );
  return micros;
}

function lowered(kind: keyof AlertEntities, values: readonly string[]): string[] {
  return values.map((value) => entityFilterValue(kind, value));
}

/** `%`, `_` and `\` taken literally inside a LIKE pattern. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function techniqueParam(text: string): string {
  const technique = text
    .trim()
    .toLowerCase()
    .replace(/^attack\./, '');
  if (!/^t\d{4}(\.\d{3})?$/.test(technique))
    throw new StoreError('invalid', `technique must look like T1003 or T1003.001 (got '${text}')`, false);
  return technique;
}

/**
 * `maxBucketSeconds` (the largest fingerprint bucket the store has used) bounds how long an alert lasts:
 * its first and last seen fall in one bucket. So "first seen before `until`" also means "last seen before
 * `until` + that", a bound the `last_seen` indexes can use; `first_seen <= until` alone makes them read
 * every later alert first (seconds at a million alerts for a window in the past).
 */
function alertConditions(
  filter: Omit<AlertFilter, 'limit'>,
  params: Params,
  options: { readonly withoutRules?: boolean; readonly maxBucketSeconds?: number } = {},
): string[] {
  const where: string[] = [];
  if (filter.since !== undefined)
    where.push(`a.last_seen >= ${params.add(timeParam('since', filter.since))}`);
  if (filter.until !== undefined) {
    const until = timeParam('until', filter.until);
    where.push(`a.first_seen <= ${params.add(until)}`);
    if (options.maxBucketSeconds !== undefined)
      where.push(`a.last_seen < ${params.add(until + options.maxBucketSeconds * 1_000_000)}`);
  }
  if (filter.levels !== undefined && filter.levels.length > 0) {
    for (const level of filter.levels)
      if (!(RULE_LEVELS as readonly string[]).includes(level))
        throw new StoreError(
          'invalid',
          `level must be one of ${RULE_LEVELS.join(', ')} (got '${level}')`,
          false,
        );
    where.push(`a.rule_level IN (${params.list(filter.levels)})`);
  }
  if (filter.hosts !== undefined && filter.hosts.length > 0)
    where.push(`a.host IN (${params.list(lowered('host', filter.hosts))})`);
  if (filter.accounts !== undefined && filter.accounts.length > 0)
    where.push(`a.account IN (${params.list(lowered('account', filter.accounts))})`);
  if (filter.sourceIps !== undefined && filter.sourceIps.length > 0)
    where.push(`a.source_ip IN (${params.list(lowered('sourceIp', filter.sourceIps))})`);
  if (filter.rule !== undefined && filter.rule !== '' && options.withoutRules !== true) {
    // Rules are few: resolve the name to ids first so the alerts index on rule_id does the rest.
    const id = params.add(filter.rule);
    const title = params.add(`%${likeLiteral(filter.rule.toLowerCase())}%`);
    where.push(
      `a.rule_id IN (SELECT rule_id FROM rules WHERE rule_id = ${id} OR lower(title) LIKE ${title} ESCAPE '\\')`,
    );
  }
  if (filter.technique !== undefined && filter.technique !== '' && options.withoutRules !== true) {
    where.push(
      `a.rule_id IN (SELECT rule_id FROM rule_techniques WHERE technique = ${params.add(techniqueParam(filter.technique))})`,
    );
  }
  if (filter.huntId !== undefined)
    where.push(
      `a.id IN (SELECT alert_id FROM alert_occurrences WHERE hunt_id = ${params.add(filter.huntId)})`,
    );
  return where;
}

function afterCondition(after: AlertFilter['after'], params: Params): string[] {
  if (after === undefined) return [];
  const id = params.add(after.id);
  if (after.lastSeen === null) return [`(a.last_seen IS NULL AND a.id < ${id})`];
  const at = params.add(timeParam('after.lastSeen', after.lastSeen));
  return [`(a.last_seen < ${at} OR (a.last_seen = ${at} AND a.id < ${id}) OR a.last_seen IS NULL)`];
}

/**
 * The rule ids a rule or technique filter selects, or undefined when the filter names neither. Rules are
 * few (hundreds to a few thousand) next to alerts, so resolving them first is cheap.
 */
export function alertRuleIdsQuery(
  filter: Pick<AlertFilter, 'rule' | 'technique'>,
): { sql: string; params: SqlValue[] } | undefined {
  const params = new Params();
  const where: string[] = [];
  if (filter.rule !== undefined && filter.rule !== '')
    where.push(
      `(r.rule_id = ${params.add(filter.rule)} OR lower(r.title) LIKE ${params.add(`%${likeLiteral(filter.rule.toLowerCase())}%`)} ESCAPE '\\')`,
    );
  if (filter.technique !== undefined && filter.technique !== '')
    where.push(
      `r.rule_id IN (SELECT rule_id FROM rule_techniques WHERE technique = ${params.add(techniqueParam(filter.technique))})`,
    );
  if (where.length === 0) return undefined;
  return {
    sql: `SELECT r.rule_id FROM rules r WHERE ${where.join(' AND ')} ORDER BY r.rule_id`,
    params: params.values,
  };
}

/** Rules per merged query: SQLite allows 500 SELECTs in one compound statement. */
export const MAX_RULE_BRANCHES = 200;

/**
 * The page `alertListQuery` gives, for a filter whose rule/technique selects `ruleIds`: the newest page of
 * each rule (an index range on alerts_rule: rule_id, last_seen, id), merged. The plain query reads every
 * alert of those rules and sorts them all, which takes seconds at a million alerts for a common technique;
 * this reads at most a page per rule.
 */
export function alertListByRulesQuery(
  filter: AlertFilter,
  ruleIds: readonly string[],
  maxBucketSeconds?: number,
): { sql: string; params: SqlValue[] } {
  const params = new Params();
  const where = [
    ...alertConditions(filter, params, {
      withoutRules: true,
      ...(maxBucketSeconds !== undefined ? { maxBucketSeconds } : {}),
    }),
    ...afterCondition(filter.after, params),
  ];
  const limit = params.add(pageSize(filter.limit));
  const order = 'ORDER BY a.last_seen DESC NULLS LAST, a.id DESC';
  const branches = ruleIds.map(
    (ruleId, i) =>
      `SELECT r${i}.id FROM (SELECT a.id FROM alerts a WHERE ${[`a.rule_id = ${params.add(ruleId)}`, ...where].join(' AND ')} ${order} LIMIT ${limit}) r${i}`,
  );
  return {
    sql: `SELECT ${ALERT_COLUMNS} FROM alerts a JOIN sources s ON s.id = a.source_id
      WHERE a.id IN (${branches.join(' UNION ALL ')}) ${order} LIMIT ${limit}`,
    params: params.values,
  };
}

export function alertListQuery(
  filter: AlertFilter,
  maxBucketSeconds?: number,
): { sql: string; params: SqlValue[] } {
  const params = new Params();
  const where = [
    ...alertConditions(filter, params, maxBucketSeconds !== undefined ? { maxBucketSeconds } : {}),
    ...afterCondition(filter.after, params),
  ];
  const limit = params.add(pageSize(filter.limit));
  return {
    sql: `SELECT ${ALERT_COLUMNS} FROM alerts a JOIN sources s ON s.id = a.source_id
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY a.last_seen DESC NULLS LAST, a.id DESC LIMIT ${limit}`,
    params: params.values,
  };
}

export function alertCountQuery(
  filter: Omit<AlertFilter, 'limit' | 'after'>,
  maxBucketSeconds?: number,
): {
  sql: string;
  params: SqlValue[];
} {
  const params = new Params();
  const where = alertConditions(filter, params, maxBucketSeconds !== undefined ? { maxBucketSeconds } : {});
  return {
    sql: `SELECT count(*) AS n FROM alerts a ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
    params: params.values,
  };
}

export function incidentListQuery(filter: IncidentFilter): { sql: string; params: SqlValue[] } {
  const params = new Params();
  const where = incidentConditions(filter, params);
  const limit = params.add(pageSize(filter.limit));
  const offset = params.add(filter.offset !== undefined && filter.offset > 0 ? Math.floor(filter.offset) : 0);
  return {
    sql: `SELECT * FROM incidents ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY last_seen DESC NULLS LAST, id DESC LIMIT ${limit} OFFSET ${offset}`,
    params: params.values,
  };
}

export function incidentCountQuery(filter: Omit<IncidentFilter, 'limit' | 'offset'>): {
  sql: string;
  params: SqlValue[];
} {
  const params = new Params();
  const where = incidentConditions(filter, params);
  return {
    sql: `SELECT count(*) AS n FROM incidents ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
    params: params.values,
  };
}

function incidentConditions(filter: Omit<IncidentFilter, 'limit' | 'offset'>, params: Params): string[] {
  const where: string[] = [];
  if (filter.statuses !== undefined && filter.statuses.length > 0) {
    for (const status of filter.statuses)
      if (!(INCIDENT_STATUSES as readonly string[]).includes(status))
        throw new StoreError(
          'invalid',
          `status must be one of ${INCIDENT_STATUSES.join(', ')} (got '${status}')`,
          false,
        );
    where.push(`status IN (${params.list(filter.statuses)})`);
  }
  if (filter.severities !== undefined && filter.severities.length > 0)
    where.push(`severity IN (${params.list(filter.severities)})`);
  if (filter.assignee !== undefined) where.push(`assignee = ${params.add(filter.assignee)}`);
  if (filter.since !== undefined) where.push(`last_seen >= ${params.add(timeParam('since', filter.since))}`);
  if (filter.until !== undefined) where.push(`first_seen <= ${params.add(timeParam('until', filter.until))}`);
  if (filter.text !== undefined && filter.text !== '')
    where.push(`lower(title) LIKE ${params.add(`%${likeLiteral(filter.text.toLowerCase())}%`)} ESCAPE '\\'`);
  // Filters on the members reuse the alert conditions, so an incident is found by exactly the alerts
  // `listAlerts` would find with the same values.
  const members = alertConditions(
    {
      ...(filter.hosts !== undefined ? { hosts: filter.hosts } : {}),
      ...(filter.rule !== undefined ? { rule: filter.rule } : {}),
      ...(filter.technique !== undefined ? { technique: filter.technique } : {}),
    },
    params,
  );
  if (members.length > 0)
    where.push(
      `id IN (SELECT ia.incident_id FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id WHERE ${members.join(' AND ')})`,
    );
  return where;
}
