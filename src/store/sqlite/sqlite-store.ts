/**
 * The embedded store: one SQLite file (better-sqlite3), in WAL mode so readers (`alerts list`, the server)
 * never wait for a hunt that is writing, with `synchronous=NORMAL` (a committed batch survives the process
 * being killed; a power cut may lose the last batches but never corrupts the file), a busy timeout so two
 * writers queue instead of failing, and prepared statements throughout.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Alert } from '../../events/event.js';
import { StoreError } from '../errors.js';
import { DEFAULT_BUCKET_SECONDS, prepareBatch, techniquesOf } from '../fingerprint.js';
import type { PreparedAlert } from '../fingerprint.js';
import {
  MIGRATIONS_TABLE_SQL,
  SchemaTooNew,
  pendingMigrations,
  renderMigration,
} from '../migrations/migrations.js';
import { LATEST_VERSION } from '../migrations/migrations.js';
import type { Migration } from '../migrations/migrations.js';
import { SqlStore } from '../sql/sql-store.js';
import type { BucketSettings } from '../sql/settings.js';
import {
  BUCKET_KEY,
  MAX_BUCKET_KEY,
  RAISE_SETTING_SQL,
  READ_SETTING_SQL,
  SET_SETTING_SQL,
} from '../sql/settings.js';
import type { AlertWriteResult, StoreCapabilities } from '../store.js';
import { nowMicros } from '../time.js';
import { SqliteExecutor, numbered } from './sqlite-executor.js';
import { sqliteError } from './sqlite-errors.js';

export interface SqliteStoreOptions {
  /** Refuse to create the file (for commands that only read): `not-found` when it is missing. */
  readonly mustExist?: boolean;
  /** How long a write waits for another process's lock before failing with `locked` (default 5,000 ms). */
  readonly busyTimeoutMs?: number;
  /** Refuse to grow the file beyond this size (`full`), e.g. to keep a disk from filling. */
  readonly maxSizeBytes?: number;
  /** Fingerprint time bucket; recorded in the database (see `openStore`). */
  readonly bucketSeconds?: number;
}

/** Known alerts by fingerprint, so repeats skip the lookup and the event serialisation. */
interface KnownAlert {
  readonly id: number;
  firstSeen: number | null;
}

const KNOWN_ALERTS_MAX = 200_000;

interface Delta {
  count: number;
  first: number | null;
  last: number | null;
  /** Earliest occurrence in this batch that is earlier than the stored first one. */
  earliest: PreparedAlert | undefined;
  sourceId: number;
}

const CAPABILITIES: StoreCapabilities = { concurrentWriters: false, singleFile: true, inProcess: true };

export class SqliteStore extends SqlStore {
  readonly dialect = 'sqlite' as const;
  readonly capabilities = CAPABILITIES;
  protected readonly db: SqliteExecutor;
  private readonly known = new Map<string, KnownAlert>();
  private readonly sourceIds = new Map<string, number>();
  private readonly rulesSeen = new Map<string, string>();
  private closed = false;

  private constructor(
    readonly location: string,
    private readonly connection: Database.Database,
    readonly bucketSeconds: number,
    readonly maxBucketSeconds: number,
  ) {
    super();
    this.db = new SqliteExecutor(connection, location);
  }

  static open(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    if (options.mustExist && file !== ':memory:' && !existsSync(file))
      throw new StoreError(
        'not-found',
        `no database at ${file}; store alerts there first with \`ballotguard hunt --db ${file} PATH\``,
        false,
      );
    let connection: Database.Database;
    try {
      connection = new Database(file, {
        fileMustExist: options.mustExist ?? false,
        timeout: options.busyTimeoutMs ?? 5000,
      });
    } catch (error) {
      throw sqliteError(error, file);
    }
    try {
      const executor = new SqliteExecutor(connection, file);
      // Reading the journal mode reads the header: a file that is not a database fails here, clearly.
      executor.exec('PRAGMA journal_mode = WAL');
      executor.exec('PRAGMA synchronous = NORMAL');
      // Foreign keys are declared but, as SQLite does by default, not checked on every insert: the writer
      // keeps them by construction, PostgreSQL enforces the same schema, and the checks cost a fifth of the
      // write rate.
      executor.exec('PRAGMA foreign_keys = OFF');
      executor.exec('PRAGMA cache_size = -65536');
      executor.exec('PRAGMA temp_store = MEMORY');
      migrate(executor, file);
      if (options.maxSizeBytes !== undefined) {
        const pageSize = connection.pragma('page_size', { simple: true }) as number;
        connection.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxSizeBytes / pageSize))}`);
      }
      const buckets = bucketSetting(executor, options.bucketSeconds);
      return new SqliteStore(file, connection, buckets.bucketSeconds, buckets.maxBucketSeconds);
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  async writeAlerts(huntId: number | null, alerts: readonly Alert[]): Promise<AlertWriteResult> {
    if (this.closed) throw new StoreError('invalid', 'the store is closed', false);
    const { prepared, duplicates: batchDuplicates } = prepareBatch(alerts, this.bucketSeconds);
    // Caches learn only from committed work: a rolled-back batch must not leave ids that do not exist.
    const newKnown = new Map<string, KnownAlert>();
    const newSources = new Map<string, number>();
    const newRules = new Map<string, string>();
    const earlier = new Map<string, number>();
    const result = await this.db.transactionSync(() => {
      let duplicates = batchDuplicates;
      let newAlerts = 0;
      const deltas = new Map<number, Delta>();
      for (const item of prepared) {
        const sourceId = this.sourceId(item.alert.source.path, newSources);
        this.noteRule(item.alert, newRules);
        let known = newKnown.get(item.fingerprint) ?? this.known.get(item.fingerprint);
        if (known === undefined) {
          const id = this.insertAlertIfNew(item, sourceId, huntId);
          if (id !== undefined) {
            if (!this.insertOccurrence(item, sourceId, id, huntId)) {
              // Stored before under another fingerprint (the bucket setting changed since): not new after all.
              this.db.prepare('DELETE FROM alerts WHERE id = ?').run(id);
              duplicates++;
              continue;
            }
            newKnown.set(item.fingerprint, { id, firstSeen: item.at });
            newAlerts++;
            continue;
          }
          known = this.lookup(item.fingerprint)!;
          newKnown.set(item.fingerprint, known);
        }
        if (item.position !== null && !this.insertOccurrence(item, sourceId, known.id, huntId)) {
          duplicates++;
          continue;
        }
        let delta = deltas.get(known.id);
        if (delta === undefined) {
          delta = { count: 0, first: null, last: null, earliest: undefined, sourceId };
          deltas.set(known.id, delta);
        }
        delta.count++;
        if (item.at !== null) {
          if (delta.first === null || item.at < delta.first) delta.first = item.at;
          if (delta.last === null || item.at > delta.last) delta.last = item.at;
          if (
            (known.firstSeen === null || item.at < known.firstSeen) &&
            (delta.earliest === undefined || item.at < delta.earliest.at!)
          ) {
            delta.earliest = item;
            delta.sourceId = sourceId;
          }
        }
      }
      for (const [id, delta] of deltas) {
        if (delta.earliest !== undefined) {
          this.updateFirstOccurrence(id, delta.earliest, delta.sourceId);
          earlier.set(delta.earliest.fingerprint, delta.earliest.at!);
        }
        this.db
          .prepare(
            `UPDATE alerts SET count = count + ?1,
             first_seen = CASE WHEN ?2 IS NULL THEN first_seen WHEN first_seen IS NULL OR ?2 < first_seen THEN ?2 ELSE first_seen END,
             last_seen = CASE WHEN ?3 IS NULL THEN last_seen WHEN last_seen IS NULL OR ?3 > last_seen THEN ?3 ELSE last_seen END,
             last_hunt_id = coalesce(?4, last_hunt_id)
             WHERE id = ?5`,
          )
          .run(numbered([delta.count, delta.first, delta.last, huntId, id]));
      }
      return { received: alerts.length, stored: alerts.length - duplicates, duplicates, newAlerts };
    });
    if (this.known.size + newKnown.size > KNOWN_ALERTS_MAX) this.known.clear();
    for (const [fingerprint, known] of newKnown) this.known.set(fingerprint, known);
    for (const [fingerprint, at] of earlier) {
      const known = this.known.get(fingerprint);
      if (known !== undefined) known.firstSeen = at;
    }
    for (const [path, id] of newSources) this.sourceIds.set(path, id);
    for (const [rule, key] of newRules) this.rulesSeen.set(rule, key);
    return result;
  }

  private lookup(fingerprint: string): KnownAlert | undefined {
    const row = this.db
      .prepare('SELECT id, first_seen FROM alerts WHERE fingerprint = ?')
      .get(fingerprint) as { id: number; first_seen: number | null } | undefined;
    return row === undefined ? undefined : { id: row.id, firstSeen: row.first_seen };
  }

  private sourceId(path: string, pending: Map<string, number>): number {
    const cached = this.sourceIds.get(path) ?? pending.get(path);
    if (cached !== undefined) return cached;
    const row = (this.db.prepare('SELECT id FROM sources WHERE path = ?1').get(numbered([path])) ??
      this.db.prepare('INSERT INTO sources (path) VALUES (?1) RETURNING id').get(numbered([path]))) as {
      id: number;
    };
    pending.set(path, row.id);
    return row.id;
  }

  private noteRule(alert: Alert, pending: Map<string, string>): void {
    const rule = alert.rule;
    const key = `${rule.title}\u0000${rule.level}\u0000${rule.tags.join(' ')}`;
    if (this.rulesSeen.get(rule.id) === key || pending.get(rule.id) === key) return;
    this.db
      .prepare(
        `INSERT INTO rules (rule_id, title, level, tags) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (rule_id) DO UPDATE SET title = excluded.title, level = excluded.level, tags = excluded.tags`,
      )
      .run(numbered([rule.id, rule.title, rule.level, JSON.stringify(rule.tags)]));
    const insertTechnique = this.db.prepare(
      'INSERT INTO rule_techniques (technique, rule_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING',
    );
    for (const technique of techniquesOf(rule.tags)) insertTechnique.run(numbered([technique, rule.id]));
    pending.set(rule.id, key);
  }

  /** The new alert's id, or undefined when one with this fingerprint exists already. */
  private insertAlertIfNew(item: PreparedAlert, sourceId: number, huntId: number | null): number | undefined {
    const { alert, entities } = item;
    const row = this.db
      .prepare(
        `INSERT INTO alerts (fingerprint, rule_id, rule_title, rule_level, rule_tags, first_seen, last_seen, count,
          host, account, source_ip, event, source_id, source_format, source_line, source_record, source_offset,
          hunt_id, last_hunt_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (fingerprint) DO NOTHING RETURNING id`,
      )
      .get(
        item.fingerprint,
        alert.rule.id,
        alert.rule.title,
        alert.rule.level,
        JSON.stringify(alert.rule.tags),
        item.at,
        item.at,
        entities.host,
        entities.account,
        entities.sourceIp,
        JSON.stringify(alert.event),
        sourceId,
        alert.source.format,
        alert.source.line ?? null,
        alert.source.record ?? null,
        alert.source.offset ?? null,
        huntId,
        huntId,
      ) as { id: number } | undefined;
    return row?.id;
  }

  /** True when the occurrence is new (and now stored). */
  private insertOccurrence(
    item: PreparedAlert,
    sourceId: number,
    alertId: number,
    huntId: number | null,
  ): boolean {
    if (item.position === null) return true;
    return (
      this.db
        .prepare(
          `INSERT INTO alert_occurrences (source_id, position, rule_id, alert_id, hunt_id, at, line, record)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(
          sourceId,
          item.position,
          item.alert.rule.id,
          alertId,
          huntId,
          item.at,
          item.alert.source.line ?? null,
          item.alert.source.record ?? null,
        ).changes === 1
    );
  }

  private updateFirstOccurrence(id: number, item: PreparedAlert, sourceId: number): void {
    const source = item.alert.source;
    this.db
      .prepare(
        `UPDATE alerts SET event = ?1, source_id = ?2, source_format = ?3, source_line = ?4, source_record = ?5,
         source_offset = ?6 WHERE id = ?7 AND (first_seen IS NULL OR first_seen > ?8)`,
      )
      .run(
        numbered([
          JSON.stringify(item.alert.event),
          sourceId,
          source.format,
          source.line ?? null,
          source.record ?? null,
          source.offset ?? null,
          id,
          item.at,
        ]),
      );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.db.idle();
    this.closed = true;
    try {
      this.connection.pragma('optimize');
    } catch {
      // Only a planner hint: a busy or read-only file must not stop the close.
    }
    this.connection.close();
  }
}

function migrate(executor: SqliteExecutor, file: string): void {
  executor.exec(MIGRATIONS_TABLE_SQL);
  // Look first without the write lock: a reader opening a current database must not queue behind a hunt.
  if (pending(executor, file).length === 0) return;
  executor.exec('BEGIN IMMEDIATE');
  try {
    for (const migration of pending(executor, file)) {
      for (const statement of renderMigration(migration, 'sqlite')) executor.exec(statement);
      executor.runNow('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        nowMicros(),
      ]);
    }
    executor.exec('COMMIT');
  } catch (error) {
    if (executor.db.inTransaction) executor.db.exec('ROLLBACK');
    throw error;
  }
}

function pending(executor: SqliteExecutor, file: string): Migration[] {
  const applied = executor
    .allNow<{ version: number }>('SELECT version FROM schema_migrations')
    .map((r) => r.version);
  try {
    return pendingMigrations(applied);
  } catch (error) {
    if (error instanceof SchemaTooNew)
      throw new StoreError(
        'schema-too-new',
        `the database ${file} has schema version ${error.version}, newer than this Ballotguard knows (${LATEST_VERSION}); upgrade Ballotguard to use it`,
        false,
      );
    throw error;
  }
}

/** The bucket is a property of the database: fingerprints only compare when they were cut the same way. */
function bucketSetting(executor: SqliteExecutor, requested: number | undefined): BucketSettings {
  const read = (key: string): number | undefined => {
    const row = executor.getNow<{ value: string }>(READ_SETTING_SQL, [key]);
    return row === undefined ? undefined : Number(row.value);
  };
  const stored = read(BUCKET_KEY);
  const storedMax = read(MAX_BUCKET_KEY);
  if (requested === undefined && stored !== undefined)
    return { bucketSeconds: stored, maxBucketSeconds: Math.max(stored, storedMax ?? stored) };
  const bucketSeconds = requested ?? DEFAULT_BUCKET_SECONDS;
  checkBucket(bucketSeconds);
  if (stored !== bucketSeconds) executor.runNow(SET_SETTING_SQL, [BUCKET_KEY, String(bucketSeconds)]);
  const maxBucketSeconds = Math.max(bucketSeconds, stored ?? 0, storedMax ?? 0);
  if (storedMax !== maxBucketSeconds)
    executor.runNow(RAISE_SETTING_SQL, [MAX_BUCKET_KEY, String(maxBucketSeconds)]);
  return { bucketSeconds, maxBucketSeconds };
}

export function checkBucket(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1)
    throw new StoreError(
      'invalid',
      `the fingerprint bucket must be a positive number of seconds (got ${seconds})`,
      false,
    );
}
