/**
 * The store at scale: PostgreSQL through a node-postgres pool. Alert batches are written set-based (a few
 * statements per batch over `unnest`ed arrays, not one per alert) in one transaction, with `ON CONFLICT`
 * on the fingerprint and on the occurrence key, so a batch lost to a dropped connection is simply written
 * again: nothing doubles (see `fingerprint.ts`, docs/store.md).
 *
 * URL: `postgres://user:password@host:5432/dbname`, plus Ballotguard's own `?schema=NAME` to keep the
 * tables in a schema of their own (created when missing; tests use one per run).
 */
import pg from 'pg';
import type { Alert } from '../../events/event.js';
import { StoreError } from '../errors.js';
import { DEFAULT_BUCKET_SECONDS, prepareBatch, techniquesOf } from '../fingerprint.js';
import type { PreparedAlert } from '../fingerprint.js';
import {
  LATEST_VERSION,
  MIGRATIONS_TABLE_SQL,
  SchemaTooNew,
  pendingMigrations,
  renderMigration,
} from '../migrations/migrations.js';
import type { SqlExecutor, SqlValue } from '../sql/executor.js';
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
import { PostgresExecutor } from './postgres-executor.js';
import type { RetryPolicy } from './postgres-executor.js';
import { postgresError } from './postgres-errors.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 4). */
  readonly poolSize?: number;
  readonly bucketSeconds?: number;
  readonly retry?: RetryPolicy;
  /** Seconds to wait for a connection (default 10). */
  readonly connectTimeoutSeconds?: number;
  /** Shown in `pg_stat_activity` (default `ballotguard`). */
  readonly applicationName?: string;
}

/** Serialises migrations of concurrent openers (any fixed number; "BALG" in ASCII). */
const MIGRATION_LOCK = 0x42414c47;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const KNOWN_ALERTS_MAX = 200_000;

const CAPABILITIES: StoreCapabilities = { concurrentWriters: true, singleFile: false, inProcess: false };

interface KnownAlert {
  readonly id: number;
  readonly firstSeen: number | null;
}

/** int8 → number: ids and microsecond times stay well inside 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser(oid, format as 'text') as (
          value: string,
        ) => unknown)) as typeof pg.types.getTypeParser,
};

/** Splits our `schema` parameter off the URL and hides the password for messages. */
export function parsePostgresUrl(url: string): {
  connectionString: string;
  schema?: string;
  location: string;
} {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreError(
      'invalid',
      `not a valid PostgreSQL URL: ${url.replace(/:[^:@/]*@/, ':***@')}`,
      false,
    );
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  if (schema !== undefined && !SCHEMA_NAME.test(schema))
    throw new StoreError(
      'invalid',
      `schema must be a plain identifier (letters, digits, _), got '${schema}'`,
      false,
    );
  const location = new URL(url);
  if (location.password !== '') location.password = '***';
  return {
    connectionString: parsed.toString(),
    ...(schema !== undefined ? { schema } : {}),
    location: location.toString(),
  };
}

export class PostgresStore extends SqlStore {
  readonly dialect = 'postgres' as const;
  readonly capabilities = CAPABILITIES;
  protected readonly db: PostgresExecutor;
  private readonly known = new Map<string, KnownAlert>();
  private readonly sourceIds = new Map<string, number>();
  private readonly rulesSeen = new Map<string, string>();
  private closed = false;

  private constructor(
    readonly location: string,
    private readonly pool: pg.Pool,
    executor: PostgresExecutor,
    readonly bucketSeconds: number,
    readonly maxBucketSeconds: number,
  ) {
    super();
    this.db = executor;
  }

  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const { connectionString, schema, location } = parsePostgresUrl(url);
    const pool = new pg.Pool({
      connectionString,
      max: options.poolSize ?? 4,
      types,
      connectionTimeoutMillis: (options.connectTimeoutSeconds ?? 10) * 1000,
      application_name: options.applicationName ?? 'ballotguard',
      ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle connection that the server ends (restart, pg_terminate_backend) is dropped from the pool;
    // without a listener node would treat the event as an uncaught error and exit.
    pool.on('error', () => undefined);
    const executor = new PostgresExecutor(pool, location, options.retry);
    try {
      if (schema !== undefined) await executor.run(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await migrate(executor, location);
      const buckets = await bucketSetting(executor, options.bucketSeconds);
      return new PostgresStore(location, pool, executor, buckets.bucketSeconds, buckets.maxBucketSeconds);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw postgresError(error, location);
    }
  }

  async writeAlerts(huntId: number | null, alerts: readonly Alert[]): Promise<AlertWriteResult> {
    if (this.closed) throw new StoreError('invalid', 'the store is closed', false);
    const { prepared, duplicates: batchDuplicates } = prepareBatch(alerts, this.bucketSeconds);
    if (prepared.length === 0)
      return { received: alerts.length, stored: 0, duplicates: batchDuplicates, newAlerts: 0 };
    const outcome = await this.db.transaction(
      async (tx) => {
        const sourceIds = await this.ensureSources(tx, prepared);
        const rules = await this.ensureRules(tx, prepared);
        return { ...(await this.writeBatch(tx, prepared, sourceIds, huntId)), sourceIds, rules };
      },
      { idempotent: true },
    );
    for (const [path, id] of outcome.sourceIds) this.sourceIds.set(path, id);
    for (const [rule, key] of outcome.rules) this.rulesSeen.set(rule, key);
    if (this.known.size + outcome.touched.length > KNOWN_ALERTS_MAX) this.known.clear();
    for (const row of outcome.touched)
      this.known.set(row.fingerprint, { id: row.id, firstSeen: row.first_seen });
    const duplicates = batchDuplicates + prepared.length - outcome.stored;
    return {
      received: alerts.length,
      stored: alerts.length - duplicates,
      duplicates,
      newAlerts: outcome.newAlerts,
    };
  }

  private async ensureSources(
    tx: SqlExecutor,
    prepared: readonly PreparedAlert[],
  ): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const missing = new Set<string>();
    for (const item of prepared) {
      const path = item.alert.source.path;
      const id = this.sourceIds.get(path);
      if (id !== undefined) ids.set(path, id);
      else missing.add(path);
    }
    if (missing.size > 0) {
      const paths = [...missing];
      await tx.run('INSERT INTO sources (path) SELECT unnest($1::text[]) ON CONFLICT (path) DO NOTHING', [
        paths as unknown as SqlValue,
      ]);
      const rows = await tx.all<{ id: number; path: string }>(
        'SELECT id, path FROM sources WHERE path = ANY($1::text[])',
        [paths as unknown as SqlValue],
      );
      for (const row of rows) ids.set(row.path, row.id);
    }
    return ids;
  }

  private async ensureRules(
    tx: SqlExecutor,
    prepared: readonly PreparedAlert[],
  ): Promise<Map<string, string>> {
    const noted = new Map<string, string>();
    for (const { alert } of prepared) {
      const rule = alert.rule;
      const key = `${rule.title}\u0000${rule.level}\u0000${rule.tags.join(' ')}`;
      if (this.rulesSeen.get(rule.id) === key || noted.has(rule.id)) continue;
      await tx.run(
        `INSERT INTO rules (rule_id, title, level, tags) VALUES ($1, $2, $3, $4)
         ON CONFLICT (rule_id) DO UPDATE SET title = excluded.title, level = excluded.level, tags = excluded.tags`,
        [rule.id, rule.title, rule.level, JSON.stringify(rule.tags)],
      );
      const techniques = techniquesOf(rule.tags);
      if (techniques.length > 0)
        await tx.run(
          `INSERT INTO rule_techniques (technique, rule_id) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING`,
          [techniques as unknown as SqlValue, rule.id],
        );
      noted.set(rule.id, key);
    }
    return noted;
  }

  /**
   * Three statements: create alerts for new fingerprints with count 0; insert the occurrences that are new
   * and add them to their alerts' counts and times (moving the stored event to an earlier occurrence when
   * one arrives); drop the alerts just created whose every occurrence turned out to be stored already.
   */
  private async writeBatch(
    tx: SqlExecutor,
    prepared: readonly PreparedAlert[],
    sourceIds: ReadonlyMap<string, number>,
    huntId: number | null,
  ): Promise<{
    stored: number;
    newAlerts: number;
    touched: { id: number; fingerprint: string; first_seen: number | null }[];
  }> {
    const n = prepared.length;
    const fp: string[] = new Array<string>(n);
    const ruleId: string[] = new Array<string>(n);
    const sourceId: number[] = new Array<number>(n);
    const position: (number | null)[] = new Array<number | null>(n);
    const at: (number | null)[] = new Array<number | null>(n);
    const line: (number | null)[] = new Array<number | null>(n);
    const record: (number | null)[] = new Array<number | null>(n);
    const offset: (number | null)[] = new Array<number | null>(n);
    const format: string[] = new Array<string>(n);
    // The event text travels only when it may become the alert's stored event.
    const event: (string | null)[] = new Array<string | null>(n);
    const fresh: number[] = [];
    for (let i = 0; i < n; i++) {
      const item = prepared[i]!;
      const source = item.alert.source;
      fp[i] = item.fingerprint;
      ruleId[i] = item.alert.rule.id;
      sourceId[i] = sourceIds.get(source.path)!;
      position[i] = item.position;
      at[i] = item.at;
      line[i] = source.line ?? null;
      record[i] = source.record ?? null;
      offset[i] = source.offset ?? null;
      format[i] = source.format;
      const known = this.known.get(item.fingerprint);
      const mayBeFirst =
        known === undefined || (item.at !== null && (known.firstSeen === null || item.at < known.firstSeen));
      event[i] = mayBeFirst ? JSON.stringify(item.alert.event) : null;
      if (known === undefined) fresh.push(i);
    }
    const arrays = (...values: unknown[]): SqlValue[] => values as SqlValue[];

    let shells: number[] = [];
    if (fresh.length > 0) {
      const pick = <T>(values: readonly T[]): T[] => fresh.map((i) => values[i]!);
      const freshItems = fresh.map((i) => prepared[i]!);
      const rows = await tx.all<{ id: number }>(
        `INSERT INTO alerts (fingerprint, rule_id, rule_title, rule_level, rule_tags, first_seen, last_seen, count,
           host, account, source_ip, event, source_id, source_format, source_line, source_record, source_offset,
           hunt_id, last_hunt_id)
         SELECT DISTINCT ON (fp) fp, rule_id, title, level, tags, at, at, 0, host, account, ip, event, source_id,
           format, line, record, "offset", $17::bigint, $17::bigint
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[],
           $9::text[], $10::text[], $11::bigint[], $12::text[], $13::bigint[], $14::bigint[], $15::bigint[], $16::int[])
           AS t(fp, rule_id, title, level, tags, at, host, account, ip, event, source_id, format, line, record, "offset", idx)
         ORDER BY fp, at NULLS LAST, idx
         ON CONFLICT (fingerprint) DO NOTHING
         RETURNING id`,
        arrays(
          pick(fp),
          pick(ruleId),
          freshItems.map((item) => item.alert.rule.title),
          freshItems.map((item) => item.alert.rule.level),
          freshItems.map((item) => JSON.stringify(item.alert.rule.tags)),
          pick(at),
          freshItems.map((item) => item.entities.host),
          freshItems.map((item) => item.entities.account),
          freshItems.map((item) => item.entities.sourceIp),
          pick(event),
          pick(sourceId),
          pick(format),
          pick(line),
          pick(record),
          pick(offset),
          fresh,
          huntId,
        ),
      );
      shells = rows.map((row) => row.id);
    }

    const touched = await tx.all<{
      id: number;
      fingerprint: string;
      first_seen: number | null;
      added: number;
    }>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[],
           $7::bigint[], $8::bigint[], $9::text[], $10::text[]) WITH ORDINALITY
           AS t(fp, source_id, position, rule_id, at, line, record, "offset", format, event, idx)
       ),
       targets AS (
         SELECT i.*, a.id AS alert_id FROM input i JOIN alerts a ON a.fingerprint = i.fp
       ),
       inserted AS (
         INSERT INTO alert_occurrences (source_id, position, rule_id, alert_id, hunt_id, at, line, record)
         SELECT source_id, position, rule_id, alert_id, $11::bigint, at, line, record FROM targets
         WHERE position IS NOT NULL
         ON CONFLICT DO NOTHING
         RETURNING source_id, position, rule_id
       ),
       fresh AS (
         SELECT t.* FROM targets t JOIN inserted n
           ON n.source_id = t.source_id AND n.position = t.position AND n.rule_id = t.rule_id
         UNION ALL
         SELECT * FROM targets WHERE position IS NULL
       ),
       agg AS (
         SELECT alert_id, count(*) AS n, min(at) AS first, max(at) AS last FROM fresh GROUP BY alert_id
       ),
       earliest AS (
         SELECT DISTINCT ON (alert_id) * FROM fresh WHERE at IS NOT NULL AND event IS NOT NULL
         ORDER BY alert_id, at, idx
       )
       UPDATE alerts a SET
         count = a.count + agg.n,
         first_seen = CASE WHEN a.count = 0 OR a.first_seen IS NULL THEN coalesce(agg.first, a.first_seen)
           WHEN agg.first IS NOT NULL AND agg.first < a.first_seen THEN agg.first ELSE a.first_seen END,
         last_seen = CASE WHEN a.count = 0 OR a.last_seen IS NULL THEN coalesce(agg.last, a.last_seen)
           WHEN agg.last IS NOT NULL AND agg.last > a.last_seen THEN agg.last ELSE a.last_seen END,
         event = CASE WHEN e.at IS NOT NULL AND (a.count = 0 OR a.first_seen IS NULL OR e.at < a.first_seen)
           THEN e.event ELSE a.event END,
         source_id = CASE WHEN e.at IS NOT NULL AND (a.count = 0 OR a.first_seen IS NULL OR e.at < a.first_seen)
           THEN e.source_id ELSE a.source_id END,
         source_format = CASE WHEN e.at IS NOT NULL AND (a.count = 0 OR a.first_seen IS NULL OR e.at < a.first_seen)
           THEN e.format ELSE a.source_format END,
         source_line = CASE WHEN e.at IS NOT NULL AND (a.count = 0 OR a.first_seen IS NULL OR e.at < a.first_seen)
           THEN e.line ELSE a.source_line END,
         source_record = CASE WHEN e.at IS NOT NULL AND (a.count = 0 OR a.first_seen IS NULL OR e.at < a.first_seen)
           THEN e.record ELSE a.source_record END,
         source_offset = CASE WHEN e.at IS NOT NULL AND (a.count = 0 OR a.first_seen IS NULL OR e.at < a.first_seen)
           THEN e."offset" ELSE a.source_offset END,
         last_hunt_id = coalesce($11::bigint, a.last_hunt_id)
       FROM agg LEFT JOIN earliest e ON e.alert_id = agg.alert_id
       WHERE a.id = agg.alert_id
       RETURNING a.id, a.fingerprint, a.first_seen, agg.n AS added`,
      arrays(fp, sourceId, position, ruleId, at, line, record, offset, format, event, huntId),
    );
    let newAlerts = shells.length;
    if (shells.length > 0) {
      const dropped = await tx.run(
        'DELETE FROM alerts WHERE id = ANY($1::bigint[]) AND count = 0',
        arrays(shells),
      );
      newAlerts -= dropped;
    }
    const stored = touched.reduce((sum, row) => sum + row.added, 0);
    return { stored, newAlerts, touched };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

async function migrate(executor: PostgresExecutor, location: string): Promise<void> {
  await executor.transaction(
    async (tx) => {
      await tx.get('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await tx.run(MIGRATIONS_TABLE_SQL);
      const applied = (await tx.all<{ version: number }>('SELECT version FROM schema_migrations')).map(
        (r) => r.version,
      );
      let pending;
      try {
        pending = pendingMigrations(applied);
      } catch (error) {
        if (error instanceof SchemaTooNew)
          throw new StoreError(
            'schema-too-new',
            `the database at ${location} has schema version ${error.version}, newer than this Ballotguard knows (${LATEST_VERSION}); upgrade Ballotguard to use it`,
            false,
          );
        throw error;
      }
      for (const migration of pending) {
        for (const statement of renderMigration(migration, 'postgres')) await tx.run(statement);
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          nowMicros(),
        ]);
      }
    },
    { idempotent: true },
  );
}

async function bucketSetting(
  executor: PostgresExecutor,
  requested: number | undefined,
): Promise<BucketSettings> {
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1))
    throw new StoreError(
      'invalid',
      `the fingerprint bucket must be a positive number of seconds (got ${requested})`,
      false,
    );
  return executor.transaction(
    async (tx) => {
      const read = async (key: string): Promise<number | undefined> => {
        const row = await tx.get<{ value: string }>(READ_SETTING_SQL, [key]);
        return row === undefined ? undefined : Number(row.value);
      };
      const stored = await read(BUCKET_KEY);
      const storedMax = await read(MAX_BUCKET_KEY);
      if (requested === undefined && stored !== undefined)
        return { bucketSeconds: stored, maxBucketSeconds: Math.max(stored, storedMax ?? stored) };
      const bucketSeconds = requested ?? DEFAULT_BUCKET_SECONDS;
      if (stored !== bucketSeconds) await tx.run(SET_SETTING_SQL, [BUCKET_KEY, String(bucketSeconds)]);
      const maxBucketSeconds = Math.max(bucketSeconds, stored ?? 0, storedMax ?? 0);
      if (storedMax !== maxBucketSeconds)
        await tx.run(RAISE_SETTING_SQL, [MAX_BUCKET_KEY, String(maxBucketSeconds)]);
      return { bucketSeconds, maxBucketSeconds };
    },
    { idempotent: true },
  );
}
