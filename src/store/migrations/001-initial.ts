/**
 * Version 1: hunts, alerts with their occurrences, incidents, API tokens and the audit log.
 *
 * Written once for both dialects with a few tokens (`migrations.ts` renders them): `{id}` is the row id
 * column, `{int}` a 64-bit integer, `{without_rowid}` SQLite's clustered-table clause, `{desc}` a descending
 * index column with NULLs last (so `ORDER BY last_seen DESC NULLS LAST` reads the index in order). Times are integer
 * microseconds since the epoch (UTC); JSON is kept as text (events stay byte-for-byte as the log had them,
 * which jsonb would not keep).
 */
import type { Migration } from './migrations.js';

export const initial: Migration = {
  version: 1,
  name: 'initial',
  statements: [
    `CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    )`,

    `CREATE TABLE hunts (
      id {id},
      started_at {int} NOT NULL,
      finished_at {int},
      status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
      actor TEXT NOT NULL,
      machine TEXT,
      pid {int},
      paths TEXT NOT NULL,
      rule_sources TEXT NOT NULL,
      options TEXT NOT NULL,
      rules_loaded {int},
      rules_failed {int},
      stats TEXT
    )`,
    `CREATE INDEX hunts_started ON hunts (started_at)`,
    `CREATE INDEX hunts_status ON hunts (status, started_at)`,

    // One row per file ever hunted: occurrences refer to it by number, not by a repeated path.
    `CREATE TABLE sources (
      id {id},
      path TEXT NOT NULL UNIQUE
    )`,

    // Latest title/level/tags of each rule seen, and its ATT&CK techniques for `--technique`.
    `CREATE TABLE rules (
      rule_id TEXT PRIMARY KEY,
      title TEXT NOT NULL,
      level TEXT NOT NULL,
      tags TEXT NOT NULL
    )`,
    `CREATE TABLE rule_techniques (
      technique TEXT NOT NULL,
      rule_id TEXT NOT NULL,
      PRIMARY KEY (technique, rule_id)
    ){without_rowid}`,

    `CREATE TABLE alerts (
      id {id},
      fingerprint TEXT NOT NULL UNIQUE,
      rule_id TEXT NOT NULL,
      rule_title TEXT NOT NULL,
      rule_level TEXT NOT NULL,
      rule_tags TEXT NOT NULL,
      first_seen {int},
      last_seen {int},
      count {int} NOT NULL,
      host TEXT,
      account TEXT,
      source_ip TEXT,
      event TEXT NOT NULL,
      source_id {int} NOT NULL REFERENCES sources (id),
      source_format TEXT NOT NULL,
      source_line {int},
      source_record {int},
      source_offset {int},
      hunt_id {int} REFERENCES hunts (id),
      last_hunt_id {int} REFERENCES hunts (id)
    )`,
    `CREATE INDEX alerts_last_seen ON alerts (last_seen {desc}, id DESC)`,
    `CREATE INDEX alerts_host ON alerts (host, last_seen {desc}, id DESC)`,
    // No index on account or source IP: each costs a fifth of the write rate, and those filters are rarer
    // (they narrow a time or host search, which the indexes above serve).
    `CREATE INDEX alerts_rule ON alerts (rule_id, last_seen {desc}, id DESC)`,

    // Each record matched by a rule, once: the key that makes reruns idempotent.
    `CREATE TABLE alert_occurrences (
      source_id {int} NOT NULL REFERENCES sources (id),
      position {int} NOT NULL,
      rule_id TEXT NOT NULL,
      alert_id {int} NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
      hunt_id {int} REFERENCES hunts (id),
      at {int},
      line {int},
      record {int},
      PRIMARY KEY (source_id, position, rule_id)
    ){without_rowid}`,
    `CREATE INDEX alert_occurrences_alert ON alert_occurrences (alert_id, at)`,

    `CREATE TABLE incidents (
      id {id},
      title TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('new', 'triaging', 'contained', 'closed', 'false_positive')),
      severity TEXT NOT NULL CHECK (severity IN ('informational', 'low', 'medium', 'high', 'critical')),
      assignee TEXT,
      group_key TEXT,
      first_seen {int},
      last_seen {int},
      alert_count {int} NOT NULL DEFAULT 0,
      created_at {int} NOT NULL,
      updated_at {int} NOT NULL
    )`,
    `CREATE INDEX incidents_last_seen ON incidents (last_seen {desc}, id DESC)`,
    `CREATE INDEX incidents_status ON incidents (status, last_seen {desc}, id DESC)`,
    `CREATE INDEX incidents_group_key ON incidents (group_key, status)`,
    `CREATE TABLE incident_alerts (
      incident_id {int} NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
      alert_id {int} NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
      reason TEXT NOT NULL,
      reason_detail TEXT,
      added_at {int} NOT NULL,
      added_by TEXT,
      PRIMARY KEY (incident_id, alert_id)
    ){without_rowid}`,
    `CREATE INDEX incident_alerts_alert ON incident_alerts (alert_id)`,
    `CREATE TABLE incident_notes (
      id {id},
      incident_id {int} NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
      author TEXT NOT NULL,
      text TEXT NOT NULL,
      at {int} NOT NULL
    )`,
    `CREATE INDEX incident_notes_incident ON incident_notes (incident_id, at)`,
    // Changes to an incident (created, status, severity, assignee, title, alerts added), for the timeline.
    `CREATE TABLE incident_events (
      id {id},
      incident_id {int} NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
      at {int} NOT NULL,
      actor TEXT,
      kind TEXT NOT NULL,
      summary TEXT NOT NULL,
      detail TEXT
    )`,
    `CREATE INDEX incident_events_incident ON incident_events (incident_id, at)`,

    `CREATE TABLE api_tokens (
      id {id},
      name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
      token_hash TEXT NOT NULL UNIQUE,
      created_at {int} NOT NULL,
      revoked_at {int},
      last_used_at {int}
    )`,
    // A name is reused only once its old token is revoked.
    `CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL`,

    `CREATE TABLE audit_log (
      id {id},
      at {int} NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      target TEXT,
      from_address TEXT,
      outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'error')),
      detail TEXT
    )`,
    `CREATE INDEX audit_log_at ON audit_log (at)`,
  ],
};
