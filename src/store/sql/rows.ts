/** Rows as both dialects return them (same column names) → the records of `store.ts`. */
import type { RuleLevel } from '../../sigma/parse/ast.js';
import type {
  AlertRecord,
  ApiTokenRecord,
  AuditEntry,
  HuntRecord,
  HuntStatus,
  IncidentNote,
  IncidentRecord,
  IncidentStatus,
  OccurrenceRecord,
  TokenRole,
} from '../store.js';
import { microsToIso, nullableIso } from '../time.js';

type Int = number;

export interface HuntRow {
  id: Int;
  started_at: Int;
  finished_at: Int | null;
  status: string;
  actor: string;
  machine: string | null;
  pid: Int | null;
  paths: string;
  rule_sources: string;
  options: string;
  rules_loaded: Int | null;
  rules_failed: Int | null;
  stats: string | null;
}

/** Columns of `alerts` without the event (lists never carry events) plus the source path. */
export const ALERT_COLUMNS = `a.id, a.fingerprint, a.rule_id, a.rule_title, a.rule_level, a.rule_tags, a.first_seen,
  a.last_seen, a.count, a.host, a.account, a.source_ip, s.path AS source_path, a.source_format, a.source_line,
  a.source_record, a.source_offset, a.hunt_id, a.last_hunt_id`;

export interface AlertRow {
  id: Int;
  fingerprint: string;
  rule_id: string;
  rule_title: string;
  rule_level: string;
  rule_tags: string;
  first_seen: Int | null;
  last_seen: Int | null;
  count: Int;
  host: string | null;
  account: string | null;
  source_ip: string | null;
  source_path: string;
  source_format: string;
  source_line: Int | null;
  source_record: Int | null;
  source_offset: Int | null;
  hunt_id: Int | null;
  last_hunt_id: Int | null;
}

export interface OccurrenceRow {
  path: string;
  line: Int | null;
  record: Int | null;
  position: Int;
  at: Int | null;
  hunt_id: Int | null;
}

export interface IncidentRow {
  id: Int;
  title: string;
  status: string;
  severity: string;
  assignee: string | null;
  group_key: string | null;
  first_seen: Int | null;
  last_seen: Int | null;
  alert_count: Int;
  created_at: Int;
  updated_at: Int;
}

export interface NoteRow {
  id: Int;
  incident_id: Int;
  author: string;
  text: string;
  at: Int;
}

export interface TokenRow {
  id: Int;
  name: string;
  role: string;
  token_hash: string;
  created_at: Int;
  revoked_at: Int | null;
  last_used_at: Int | null;
}

export interface AuditRow {
  id: Int;
  at: Int;
  actor: string;
  action: string;
  target: string | null;
  from_address: string | null;
  outcome: string;
  detail: string | null;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function huntFromRow(row: HuntRow): HuntRecord {
  return {
    id: row.id,
    startedAt: microsToIso(row.started_at),
    finishedAt: nullableIso(row.finished_at),
    status: row.status as HuntStatus,
    actor: row.actor,
    machine: row.machine,
    pid: row.pid,
    paths: parseJson<string[]>(row.paths, []),
    ruleSources: parseJson<string[]>(row.rule_sources, []),
    options: parseJson<Record<string, unknown>>(row.options, {}),
    rulesLoaded: row.rules_loaded,
    rulesFailed: row.rules_failed,
    stats: parseJson<Record<string, unknown> | null>(row.stats, null),
  };
}

export function alertFromRow(row: AlertRow): AlertRecord {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    rule: {
      id: row.rule_id,
      title: row.rule_title,
      level: row.rule_level as RuleLevel,
      tags: parseJson<string[]>(row.rule_tags, []),
    },
    firstSeen: nullableIso(row.first_seen),
    lastSeen: nullableIso(row.last_seen),
    count: row.count,
    host: row.host,
    account: row.account,
    sourceIp: row.source_ip,
    source: {
      path: row.source_path,
      format: row.source_format,
      ...(row.source_line !== null ? { line: row.source_line } : {}),
      ...(row.source_record !== null ? { record: row.source_record } : {}),
      ...(row.source_offset !== null ? { offset: row.source_offset } : {}),
    },
    huntId: row.hunt_id,
    lastHuntId: row.last_hunt_id,
  };
}

export function occurrenceFromRow(row: OccurrenceRow): OccurrenceRecord {
  return {
    path: row.path,
    line: row.line,
    record: row.record,
    position: row.position,
    at: nullableIso(row.at),
    huntId: row.hunt_id,
  };
}

export function incidentFromRow(row: IncidentRow): IncidentRecord {
  return {
    id: row.id,
    title: row.title,
    status: row.status as IncidentStatus,
    severity: row.severity as RuleLevel,
    assignee: row.assignee,
    groupKey: row.group_key,
    firstSeen: nullableIso(row.first_seen),
    lastSeen: nullableIso(row.last_seen),
    alertCount: row.alert_count,
    createdAt: microsToIso(row.created_at),
    updatedAt: microsToIso(row.updated_at),
  };
}

export function noteFromRow(row: NoteRow): IncidentNote {
  return {
    id: row.id,
    incidentId: row.incident_id,
    author: row.author,
    text: row.text,
    at: microsToIso(row.at),
  };
}

export function tokenFromRow(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as TokenRole,
    tokenHash: row.token_hash,
    createdAt: microsToIso(row.created_at),
    revokedAt: nullableIso(row.revoked_at),
    lastUsedAt: nullableIso(row.last_used_at),
  };
}

export function auditFromRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: microsToIso(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    fromAddress: row.from_address,
    outcome: row.outcome as AuditEntry['outcome'],
    detail: parseJson<Record<string, unknown> | null>(row.detail, null),
  };
}

export { parseJson };
