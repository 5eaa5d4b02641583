/**
 * Everything in `Store` that both dialects do with the same SQL: hunts, reading alerts, incidents, tokens
 * and audit. A dialect supplies an executor and its own `writeAlerts` (the hot path, written for each
 * engine's strengths: prepared statements row by row in SQLite, set-based statements in PostgreSQL).
 */
import type { Alert } from '../../events/event.js';
import { RULE_LEVELS } from '../../sigma/parse/ast.js';
import type { RuleLevel } from '../../sigma/parse/ast.js';
import { StoreError } from '../errors.js';
import type {
  AlertDetail,
  AlertFilter,
  AlertRecord,
  AlertStats,
  AlertStatsFilter,
  AlertWriteResult,
  ApiTokenInput,
  ApiTokenRecord,
  AuditEntry,
  AuditFilter,
  AuditInput,
  HuntFilter,
  HuntFinish,
  HuntRecord,
  HuntStart,
  IncidentAlertLink,
  IncidentDetail,
  IncidentFilter,
  IncidentInput,
  IncidentNote,
  IncidentPatch,
  IncidentReason,
  IncidentRecord,
  IncidentStatus,
  Store,
  StoreCapabilities,
  StoreDialect,
  TimelineEntry,
} from '../store.js';
import { HUNT_STATUSES, INCIDENT_STATUSES, OPEN_INCIDENT_STATUSES, TOKEN_ROLES, pageSize } from '../store.js';
import { microsToIso, nowMicros } from '../time.js';
import type { SqlExecutor, SqlValue } from './executor.js';
import {
  Params,
  MAX_RULE_BRANCHES,
  alertCountQuery,
  alertListByRulesQuery,
  alertListQuery,
  alertRuleIdsQuery,
  incidentCountQuery,
  incidentListQuery,
  timeParam,
} from './queries.js';
import type { AlertRow, AuditRow, HuntRow, IncidentRow, NoteRow, OccurrenceRow, TokenRow } from './rows.js';
import {
  ALERT_COLUMNS,
  alertFromRow,
  auditFromRow,
  huntFromRow,
  incidentFromRow,
  noteFromRow,
  occurrenceFromRow,
  parseJson,
  tokenFromRow,
} from './rows.js';

/** Large id lists go to the database in slices: both engines cap the parameters of one statement. */
const ID_SLICE = 500;

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function checkOne<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new StoreError('invalid', `${name} must be one of ${allowed.join(', ')} (got '${value}')`, false);
  return value as T;
}

function checkId(name: string, id: number): number {
  if (!Number.isSafeInteger(id) || id < 1)
    throw new StoreError('invalid', `${name} must be a positive integer (got ${id})`, false);
  return id;
}

function noSuch(what: string, id: number): StoreError {
  return new StoreError('invalid', `no ${what} with id ${id}`, false);
}

export abstract class SqlStore implements Store {
  abstract readonly dialect: StoreDialect;
  abstract readonly capabilities: StoreCapabilities;
  abstract readonly location: string;
  abstract readonly bucketSeconds: number;
  /** The largest bucket ever used here: no stored alert spans more (bounds time-window queries). */
  abstract readonly maxBucketSeconds: number;
  protected abstract readonly db: SqlExecutor;

  abstract writeAlerts(huntId: number | null, alerts: readonly Alert[]): Promise<AlertWriteResult>;
  abstract close(): Promise<void>;

  async schemaVersion(): Promise<number> {
    const row = await this.db.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return row?.v ?? 0;
  }

  // -------------------------------------------------------------------------------------------------------
  // Hunts

  async startHunt(input: HuntStart): Promise<HuntRecord> {
    const row = await this.db.get<HuntRow>(
      `INSERT INTO hunts (started_at, status, actor, machine, pid, paths, rule_sources, options)
       VALUES ($1, 'running', $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        nowMicros(),
        input.actor,
        input.machine ?? null,
        input.pid ?? null,
        JSON.stringify(input.paths),
        JSON.stringify(input.ruleSources ?? []),
        JSON.stringify(input.options ?? {}),
      ],
    );
    return huntFromRow(row!);
  }

  async finishHunt(id: number, finish: HuntFinish): Promise<HuntRecord> {
    checkId('hunt id', id);
    checkOne('status', finish.status, HUNT_STATUSES);
    const row = await this.db.transaction(
      (tx) =>
        tx.get<HuntRow>(
          `UPDATE hunts SET finished_at = $1, status = $2, rules_loaded = coalesce($3, rules_loaded),
           rules_failed = coalesce($4, rules_failed), stats = coalesce($5, stats) WHERE id = $6 RETURNING *`,
          [
            nowMicros(),
            finish.status,
            finish.rulesLoaded ?? null,
            finish.rulesFailed ?? null,
            finish.stats === undefined ? null : JSON.stringify(finish.stats),
            id,
          ],
        ),
      { idempotent: true },
    );
    if (row === undefined) throw noSuch('hunt', id);
    return huntFromRow(row);
  }

  async getHunt(id: number): Promise<HuntRecord | undefined> {
    const row = await this.db.get<HuntRow>('SELECT * FROM hunts WHERE id = $1', [id]);
    return row === undefined ? undefined : huntFromRow(row);
  }

  async listHunts(filter: HuntFilter = {}): Promise<HuntRecord[]> {
    const params = new Params();
    const where =
      filter.status !== undefined
        ? `WHERE status = ${params.add(checkOne('status', filter.status, HUNT_STATUSES))}`
        : '';
    const rows = await this.db.all<HuntRow>(
      `SELECT * FROM hunts ${where} ORDER BY started_at DESC, id DESC LIMIT ${params.add(pageSize(filter.limit))}`,
      params.values,
    );
    return rows.map(huntFromRow);
  }

  // -------------------------------------------------------------------------------------------------------
  // Alerts (reading)

  async listAlerts(filter: AlertFilter = {}): Promise<AlertRecord[]> {
    const rules = alertRuleIdsQuery(filter);
    if (rules !== undefined) {
      const ruleIds = (await this.db.all<{ rule_id: string }>(rules.sql, rules.params)).map(
        (row) => row.rule_id,
      );
      if (ruleIds.length === 0) return [];
      if (ruleIds.length <= MAX_RULE_BRANCHES) {
        const { sql, params } = alertListByRulesQuery(filter, ruleIds, this.maxBucketSeconds);
        return (await this.db.all<AlertRow>(sql, params)).map(alertFromRow);
      }
    }
    const { sql, params } = alertListQuery(filter, this.maxBucketSeconds);
    return (await this.db.all<AlertRow>(sql, params)).map(alertFromRow);
  }

  async countAlerts(filter: Omit<AlertFilter, 'limit' | 'after'> = {}): Promise<number> {
    const { sql, params } = alertCountQuery(filter, this.maxBucketSeconds);
    return (await this.db.get<{ n: number }>(sql, params))?.n ?? 0;
  }

  async listNewAlerts(afterId: number, limit?: number): Promise<AlertRecord[]> {
    const rows = await this.db.all<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM alerts a JOIN sources s ON s.id = a.source_id
       WHERE a.id > $1 ORDER BY a.id LIMIT $2`,
      [Math.max(0, Math.floor(afterId)), pageSize(limit)],
    );
    return rows.map(alertFromRow);
  }

  async latestAlertId(): Promise<number> {
    return (await this.db.get<{ n: number | null }>('SELECT max(id) AS n FROM alerts'))?.n ?? 0;
  }

  async alertStats(filter: AlertStatsFilter = {}): Promise<AlertStats> {
    const top = Math.min(Math.max(1, Math.floor(filter.top ?? 10)), 100);
    const params = new Params();
    const where: string[] = [];
    if (filter.since !== undefined)
      where.push(`a.last_seen >= ${params.add(timeParam('since', filter.since))}`);
    if (filter.until !== undefined)
      where.push(`a.first_seen <= ${params.add(timeParam('until', filter.until))}`);
    const clause = (extra?: string): string => {
      const all = extra === undefined ? where : [...where, extra];
      return all.length > 0 ? `WHERE ${all.join(' AND ')}` : '';
    };
    const values = params.values;
    const byLevel = await this.db.all<{ level: string; n: number }>(
      `SELECT a.rule_level AS level, count(*) AS n FROM alerts a ${clause()} GROUP BY a.rule_level`,
      values,
    );
    const microsPerDay = 86_400_000_000;
    const byDay = await this.db.all<{ day: number; n: number }>(
      `SELECT a.last_seen / ${microsPerDay} AS day, count(*) AS n FROM alerts a ${clause('a.last_seen IS NOT NULL')}
       GROUP BY a.last_seen / ${microsPerDay} ORDER BY day DESC LIMIT 366`,
      values,
    );
    const topRules = await this.db.all<{ id: string; title: string; level: string; n: number }>(
      `SELECT a.rule_id AS id, max(a.rule_title) AS title, max(a.rule_level) AS level, count(*) AS n
       FROM alerts a ${clause()} GROUP BY a.rule_id ORDER BY n DESC, id LIMIT ${top}`,
      values,
    );
    const topHosts = await this.db.all<{ host: string; n: number }>(
      `SELECT a.host AS host, count(*) AS n FROM alerts a ${clause('a.host IS NOT NULL')}
       GROUP BY a.host ORDER BY n DESC, host LIMIT ${top}`,
      values,
    );
    const byTechnique = await this.db.all<{ technique: string; n: number }>(
      `SELECT rt.technique AS technique, count(*) AS n FROM alerts a JOIN rule_techniques rt ON rt.rule_id = a.rule_id
       ${clause()} GROUP BY rt.technique ORDER BY n DESC, technique`,
      values,
    );
    const incidents = await this.db.all<{ status: string; n: number }>(
      'SELECT status, count(*) AS n FROM incidents GROUP BY status',
    );
    return {
      alerts: byLevel.reduce((sum, row) => sum + Number(row.n), 0),
      byLevel: Object.fromEntries(byLevel.map((row) => [row.level, Number(row.n)])),
      byDay: byDay
        .map((row) => ({
          day: new Date(Number(row.day) * 86_400_000).toISOString().slice(0, 10),
          count: Number(row.n),
        }))
        .reverse(),
      topRules: topRules.map((row) => ({
        id: row.id,
        title: row.title,
        level: row.level as RuleLevel,
        count: Number(row.n),
      })),
      topHosts: topHosts.map((row) => ({ host: row.host, count: Number(row.n) })),
      byTechnique: byTechnique.map((row) => ({
        technique: row.technique.toUpperCase(),
        count: Number(row.n),
      })),
      incidentsByStatus: Object.fromEntries(incidents.map((row) => [row.status, Number(row.n)])),
    };
  }

  async getAlert(id: number, options: { occurrenceLimit?: number } = {}): Promise<AlertDetail | undefined> {
    const row = await this.db.get<AlertRow & { event: string }>(
      `SELECT ${ALERT_COLUMNS}, a.event FROM alerts a JOIN sources s ON s.id = a.source_id WHERE a.id = $1`,
      [id],
    );
    if (row === undefined) return undefined;
    const occurrences = await this.db.all<OccurrenceRow>(
      `SELECT s.path, o.line, o.record, o.position, o.at, o.hunt_id
       FROM alert_occurrences o JOIN sources s ON s.id = o.source_id
       WHERE o.alert_id = $1 ORDER BY o.at NULLS LAST, s.path, o.position LIMIT $2`,
      [id, pageSize(options.occurrenceLimit)],
    );
    const incidents = await this.db.all<{ id: number; title: string; status: string }>(
      `SELECT i.id, i.title, i.status FROM incident_alerts ia JOIN incidents i ON i.id = ia.incident_id
       WHERE ia.alert_id = $1 ORDER BY i.id`,
      [id],
    );
    return {
      ...alertFromRow(row),
      event: parseJson<unknown>(row.event, null),
      occurrences: occurrences.map(occurrenceFromRow),
      incidents: incidents.map((i) => ({ id: i.id, title: i.title, status: i.status as IncidentStatus })),
    };
  }

  // -------------------------------------------------------------------------------------------------------
  // Incidents

  async createIncident(input: IncidentInput, actor: string): Promise<IncidentRecord> {
    const status = checkOne('status', input.status ?? 'new', INCIDENT_STATUSES);
    const severity = checkOne('severity', input.severity, RULE_LEVELS);
    if (input.title.trim() === '') throw new StoreError('invalid', 'an incident needs a title', false);
    return this.db.transaction(async (tx) => {
      const now = nowMicros();
      const row = (await tx.get<IncidentRow>(
        `INSERT INTO incidents (title, status, severity, assignee, group_key, alert_count, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6) RETURNING *`,
        [input.title, status, severity, input.assignee ?? null, input.groupKey ?? null, now],
      ))!;
      await this.recordEvent(tx, row.id, now, actor, 'created', `created: ${input.title}`, {
        status,
        severity,
        ...(input.groupKey ? { groupKey: input.groupKey } : {}),
      });
      return incidentFromRow(row);
    });
  }

  async updateIncident(id: number, patch: IncidentPatch, actor: string): Promise<IncidentRecord> {
    checkId('incident id', id);
    if (patch.status !== undefined) checkOne('status', patch.status, INCIDENT_STATUSES);
    if (patch.severity !== undefined) checkOne('severity', patch.severity, RULE_LEVELS);
    if (patch.title !== undefined && patch.title.trim() === '')
      throw new StoreError('invalid', 'an incident needs a title', false);
    return this.db.transaction(async (tx) => {
      const current = await tx.get<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id]);
      if (current === undefined) throw noSuch('incident', id);
      const now = nowMicros();
      const changes: [
        kind: 'status' | 'severity' | 'assignee' | 'title',
        from: string | null,
        to: string | null,
      ][] = [];
      if (patch.status !== undefined && patch.status !== current.status)
        changes.push(['status', current.status, patch.status]);
      if (patch.severity !== undefined && patch.severity !== current.severity)
        changes.push(['severity', current.severity, patch.severity]);
      if (patch.assignee !== undefined && patch.assignee !== current.assignee)
        changes.push(['assignee', current.assignee, patch.assignee]);
      if (patch.title !== undefined && patch.title !== current.title)
        changes.push(['title', current.title, patch.title]);
      if (changes.length === 0) return incidentFromRow(current);
      const row = (await tx.get<IncidentRow>(
        `UPDATE incidents SET title = $1, status = $2, severity = $3, assignee = $4, updated_at = $5
         WHERE id = $6 RETURNING *`,
        [
          patch.title ?? current.title,
          patch.status ?? current.status,
          patch.severity ?? current.severity,
          patch.assignee !== undefined ? patch.assignee : current.assignee,
          now,
          id,
        ],
      ))!;
      for (const [kind, from, to] of changes) {
        await this.recordEvent(tx, id, now, actor, kind, `${kind}: ${from ?? '(none)'} → ${to ?? '(none)'}`, {
          from,
          to,
        });
      }
      return incidentFromRow(row);
    });
  }

  async addAlertsToIncident(id: number, links: readonly IncidentAlertLink[], actor: string): Promise<number> {
    checkId('incident id', id);
    if (links.length === 0) return 0;
    for (const link of links) checkId('alert id', link.alertId);
    return this.db.transaction(
      async (tx) => {
        const exists = await tx.get<{ id: number }>('SELECT id FROM incidents WHERE id = $1', [id]);
        if (exists === undefined) throw noSuch('incident', id);
        const now = nowMicros();
        let added = 0;
        for (const link of links) {
          added += await tx.run(
            `INSERT INTO incident_alerts (incident_id, alert_id, reason, reason_detail, added_at, added_by)
             SELECT CAST($1 AS BIGINT), id, $2, $3, CAST($4 AS BIGINT), $5 FROM alerts WHERE id = $6
             ON CONFLICT (incident_id, alert_id) DO NOTHING`,
            [
              id,
              link.reason.text,
              link.reason.detail === undefined ? null : JSON.stringify(link.reason.detail),
              now,
              actor,
              link.alertId,
            ],
          );
        }
        // The span covers every alert given now, new or not: an attached alert may have grown since.
        let first: number | null = null;
        let last: number | null = null;
        for (const part of slices([...new Set(links.map((l) => l.alertId))], ID_SLICE)) {
          const params = new Params();
          const span = await tx.get<{ f: number | null; l: number | null }>(
            `SELECT min(first_seen) AS f, max(last_seen) AS l FROM alerts WHERE id IN (${params.list(part)})`,
            params.values,
          );
          if (span?.f != null && (first === null || span.f < first)) first = span.f;
          if (span?.l != null && (last === null || span.l > last)) last = span.l;
        }
        await tx.run(
          `UPDATE incidents SET alert_count = alert_count + $1, updated_at = $2,
           first_seen = CASE WHEN CAST($3 AS BIGINT) IS NULL THEN first_seen
             WHEN first_seen IS NULL OR CAST($3 AS BIGINT) < first_seen THEN CAST($3 AS BIGINT) ELSE first_seen END,
           last_seen = CASE WHEN CAST($4 AS BIGINT) IS NULL THEN last_seen
             WHEN last_seen IS NULL OR CAST($4 AS BIGINT) > last_seen THEN CAST($4 AS BIGINT) ELSE last_seen END
           WHERE id = $5`,
          [added, now, first, last, id],
        );
        return added;
      },
      { idempotent: true },
    );
  }

  async mergeIncident(
    fromId: number,
    intoId: number,
    reason: IncidentReason,
    actor: string,
  ): Promise<IncidentRecord> {
    checkId('incident id', fromId);
    checkId('incident id', intoId);
    if (fromId === intoId) throw new StoreError('invalid', 'an incident cannot be merged into itself', false);
    return this.db.transaction(async (tx) => {
      const from = await tx.get<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [fromId]);
      if (from === undefined) throw noSuch('incident', fromId);
      const into = await tx.get<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [intoId]);
      if (into === undefined) throw noSuch('incident', intoId);
      const now = nowMicros();
      const moved = await tx.run(
        `INSERT INTO incident_alerts (incident_id, alert_id, reason, reason_detail, added_at, added_by)
         SELECT CAST($1 AS BIGINT), alert_id, reason, reason_detail, added_at, added_by FROM incident_alerts
         WHERE incident_id = $2 ON CONFLICT (incident_id, alert_id) DO NOTHING`,
        [intoId, fromId],
      );
      await tx.run('DELETE FROM incident_alerts WHERE incident_id = $1', [fromId]);
      const spanFirst = (a: number | null, b: number | null): number | null =>
        a === null ? b : b === null ? a : Math.min(a, b);
      const spanLast = (a: number | null, b: number | null): number | null =>
        a === null ? b : b === null ? a : Math.max(a, b);
      const row = (await tx.get<IncidentRow>(
        `UPDATE incidents SET alert_count = alert_count + $1, first_seen = $2, last_seen = $3, updated_at = $4
         WHERE id = $5 RETURNING *`,
        [
          moved,
          spanFirst(into.first_seen, from.first_seen),
          spanLast(into.last_seen, from.last_seen),
          now,
          intoId,
        ],
      ))!;
      await tx.run(`UPDATE incidents SET status = 'closed', alert_count = 0, updated_at = $1 WHERE id = $2`, [
        now,
        fromId,
      ]);
      const detail = { from: fromId, into: intoId, alerts: moved, reason: reason.text, ...reason.detail };
      await this.recordEvent(
        tx,
        intoId,
        now,
        actor,
        'merged',
        `merged #${fromId} into this incident: ${reason.text}`,
        detail,
      );
      await this.recordEvent(
        tx,
        fromId,
        now,
        actor,
        'merged',
        `merged into #${intoId}: ${reason.text}`,
        detail,
      );
      if (from.status !== 'closed')
        await this.recordEvent(tx, fromId, now, actor, 'status', `status: ${from.status} → closed (merged)`, {
          from: from.status,
          to: 'closed',
        });
      return incidentFromRow(row);
    });
  }

  async addIncidentNote(id: number, author: string, text: string): Promise<IncidentNote> {
    checkId('incident id', id);
    if (text.trim() === '') throw new StoreError('invalid', 'a note needs text', false);
    return this.db.transaction(async (tx) => {
      const now = nowMicros();
      const changed = await tx.run('UPDATE incidents SET updated_at = $1 WHERE id = $2', [now, id]);
      if (changed === 0) throw noSuch('incident', id);
      const row = await tx.get<NoteRow>(
        'INSERT INTO incident_notes (incident_id, author, text, at) VALUES ($1, $2, $3, $4) RETURNING *',
        [id, author, text, now],
      );
      return noteFromRow(row!);
    });
  }

  async getIncident(id: number, options: { alertLimit?: number } = {}): Promise<IncidentDetail | undefined> {
    const row = await this.db.get<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [id]);
    if (row === undefined) return undefined;
    const alerts = await this.db.all<
      AlertRow & { reason: string; reason_detail: string | null; added_at: number }
    >(
      `SELECT ${ALERT_COLUMNS}, ia.reason, ia.reason_detail, ia.added_at
       FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id JOIN sources s ON s.id = a.source_id
       WHERE ia.incident_id = $1 ORDER BY a.first_seen NULLS LAST, a.id LIMIT $2`,
      [id, pageSize(options.alertLimit ?? 1000)],
    );
    const notes = await this.db.all<NoteRow>(
      'SELECT * FROM incident_notes WHERE incident_id = $1 ORDER BY at, id',
      [id],
    );
    return {
      ...incidentFromRow(row),
      alerts: alerts.map((alert) => ({
        ...alertFromRow(alert),
        reason: reasonOf(alert.reason, alert.reason_detail),
        addedAt: microsToIso(alert.added_at),
      })),
      notes: notes.map(noteFromRow),
    };
  }

  async listIncidents(filter: IncidentFilter = {}): Promise<IncidentRecord[]> {
    const { sql, params } = incidentListQuery(filter);
    return (await this.db.all<IncidentRow>(sql, params)).map(incidentFromRow);
  }

  async countIncidents(filter: Omit<IncidentFilter, 'limit' | 'offset'> = {}): Promise<number> {
    const { sql, params } = incidentCountQuery(filter);
    return Number((await this.db.get<{ n: number }>(sql, params))?.n ?? 0);
  }

  async findOpenIncident(groupKey: string): Promise<IncidentRecord | undefined> {
    const params = new Params();
    const row = await this.db.get<IncidentRow>(
      `SELECT * FROM incidents WHERE group_key = ${params.add(groupKey)}
       AND status IN (${params.list(OPEN_INCIDENT_STATUSES)}) ORDER BY id DESC LIMIT 1`,
      params.values,
    );
    return row === undefined ? undefined : incidentFromRow(row);
  }

  async incidentTimeline(id: number, options: { limit?: number } = {}): Promise<TimelineEntry[]> {
    const limit = pageSize(options.limit ?? 1000);
    const events = await this.db.all<{
      at: number;
      actor: string | null;
      kind: TimelineEntry['kind'];
      summary: string;
      detail: string | null;
    }>(
      'SELECT at, actor, kind, summary, detail FROM incident_events WHERE incident_id = $1 ORDER BY at, id LIMIT $2',
      [id, limit],
    );
    const notes = await this.db.all<NoteRow>(
      'SELECT * FROM incident_notes WHERE incident_id = $1 ORDER BY at, id LIMIT $2',
      [id, limit],
    );
    const alerts = await this.db.all<{
      id: number;
      first_seen: number;
      rule_title: string;
      rule_level: string;
      host: string | null;
      count: number;
      added_by: string | null;
      reason: string;
      reason_detail: string | null;
    }>(
      `SELECT a.id, a.first_seen, a.rule_title, a.rule_level, a.host, a.count, ia.added_by, ia.reason, ia.reason_detail
       FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id
       WHERE ia.incident_id = $1 AND a.first_seen IS NOT NULL ORDER BY a.first_seen, a.id LIMIT $2`,
      [id, limit],
    );
    const entries: (TimelineEntry & { readonly sortAt: number })[] = [
      ...events.map((e) => ({
        sortAt: e.at,
        at: microsToIso(e.at),
        kind: e.kind,
        actor: e.actor,
        summary: e.summary,
        ...(e.detail !== null ? { detail: parseJson<Record<string, unknown>>(e.detail, {}) } : {}),
      })),
      ...notes.map((n) => ({
        sortAt: n.at,
        at: microsToIso(n.at),
        kind: 'note' as const,
        actor: n.author,
        summary: n.text,
      })),
      ...alerts.map((a) => ({
        sortAt: a.first_seen,
        at: microsToIso(a.first_seen),
        kind: 'alert' as const,
        actor: a.added_by,
        summary: `${a.rule_level} ${a.rule_title}${a.host !== null ? ` on ${a.host}` : ''}${a.count > 1 ? ` (×${a.count})` : ''} — ${a.reason}`,
        alertId: a.id,
        detail: { reason: reasonOf(a.reason, a.reason_detail) },
      })),
    ];
    entries.sort((x, y) => x.sortAt - y.sortAt);
    return entries.slice(0, limit).map(({ sortAt: _sortAt, ...entry }) => entry);
  }

  private async recordEvent(
    tx: SqlExecutor,
    incidentId: number,
    at: number,
    actor: string,
    kind: TimelineEntry['kind'],
    summary: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await tx.run(
      'INSERT INTO incident_events (incident_id, at, actor, kind, summary, detail) VALUES ($1, $2, $3, $4, $5, $6)',
      [incidentId, at, actor, kind, summary, JSON.stringify(detail)],
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // API tokens and audit

  async createApiToken(input: ApiTokenInput): Promise<ApiTokenRecord> {
    checkOne('role', input.role, TOKEN_ROLES);
    if (input.name.trim() === '') throw new StoreError('invalid', 'a token needs a name', false);
    if (input.tokenHash === '') throw new StoreError('invalid', 'a token needs a hash', false);
    try {
      const row = await this.db.get<TokenRow>(
        'INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING *',
        [input.name, input.role, input.tokenHash, nowMicros()],
      );
      return tokenFromRow(row!);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'duplicate')
        throw new StoreError(
          'duplicate',
          `an active API token named '${input.name}' already exists (revoke it first, or choose another name)`,
          false,
          { cause: error },
        );
      throw error;
    }
  }

  async findApiToken(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    const row = await this.db.get<TokenRow>('SELECT * FROM api_tokens WHERE token_hash = $1', [tokenHash]);
    return row === undefined ? undefined : tokenFromRow(row);
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return (await this.db.all<TokenRow>('SELECT * FROM api_tokens ORDER BY id')).map(tokenFromRow);
  }

  async revokeApiToken(id: number): Promise<boolean> {
    const changed = await this.db.run(
      'UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
      [nowMicros(), id],
    );
    return changed > 0;
  }

  async touchApiToken(id: number): Promise<void> {
    await this.db.run('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [nowMicros(), id]);
  }

  // -------------------------------------------------------------------------------------------------------
  // Settings: callers' keys live under `app:`, apart from the store's own (e.g. the fingerprint bucket).

  async getSetting(key: string): Promise<string | undefined> {
    const row = await this.db.get<{ value: string }>('SELECT value FROM settings WHERE key = $1', [
      `app:${key}`,
    ]);
    return row?.value;
  }

  async putSetting(key: string, value: string): Promise<void> {
    await this.db.run(
      'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [`app:${key}`, value],
    );
  }

  async appendAudit(entry: AuditInput): Promise<AuditEntry> {
    checkOne('outcome', entry.outcome, ['ok', 'denied', 'error'] as const);
    const row = await this.db.get<AuditRow>(
      `INSERT INTO audit_log (at, actor, action, target, from_address, outcome, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        nowMicros(),
        entry.actor,
        entry.action,
        entry.target ?? null,
        entry.fromAddress ?? null,
        entry.outcome,
        entry.detail === undefined ? null : JSON.stringify(entry.detail),
      ],
    );
    return auditFromRow(row!);
  }

  async listAudit(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const params = new Params();
    const where: string[] = [];
    if (filter.since !== undefined) where.push(`at >= ${params.add(timeParam('since', filter.since))}`);
    if (filter.actor !== undefined) where.push(`actor = ${params.add(filter.actor)}`);
    if (filter.action !== undefined) where.push(`action = ${params.add(filter.action)}`);
    const rows = await this.db.all<AuditRow>(
      `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY at DESC, id DESC LIMIT ${params.add(pageSize(filter.limit))}`,
      params.values,
    );
    return rows.map(auditFromRow);
  }
}

function reasonOf(text: string, detail: string | null): IncidentReason {
  return detail === null ? { text } : { text, detail: parseJson<Record<string, unknown>>(detail, {}) };
}

/** Levels from `min` up, for "this level or worse" filters. */
export function levelsFrom(min: RuleLevel): RuleLevel[] {
  return RULE_LEVELS.slice(RULE_LEVELS.indexOf(min));
}

export type { SqlValue };
