/**
 * The `store` benchmark: how fast alerts go into the store and come back out.
 *
 * - Alert writes/s through the real path (`AlertBatchWriter` → `writeAlerts`: entities, fingerprint,
 *   occurrence key, batched transactions) into SQLite, and PostgreSQL when `BALLOTGUARD_TEST_PG_URL` (or
 *   `BENCH_PG_URL`) names a server. The input is 1.25 M alerts (BENCH_QUICK: 25 k) of which 1 M (20 k)
 *   are distinct: every fifth is another occurrence of an earlier alert, as repeated logon failures are.
 * - Baseline in the same run: the same rows inserted raw with better-sqlite3 (one prepared INSERT per
 *   alert, transactions of 1,000, no fingerprint, no deduplication, no indexes), and for PostgreSQL the
 *   same rows with one `INSERT … SELECT unnest(…)` per 1,000.
 * - Incident grouping/s: the grouping engine (`correlate/incidents.ts`) over the stored alerts in time
 *   order, with the resulting incidents and memberships written to the store.
 * - Latency (p50/p95) of the common queries on the store holding 1 M alerts: alert search by host and
 *   time window, newest alerts of high level, and the incident list.
 *
 * Targets (issue): ≥ 100,000 alert writes/s into SQLite; the common queries' p95 under 50 ms at 1 M.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { IncidentGrouper } from '../src/correlate/incidents.js';
import type { GroupingAlert } from '../src/correlate/incidents.js';
import type { EntityKind } from '../src/correlate/entities.js';
import type { Alert } from '../src/events/event.js';
import type { RuleLevel } from '../src/sigma/parse/ast.js';
import { AlertBatchWriter } from '../src/store/alert-batch-writer.js';
import { openStore } from '../src/store/open-store.js';
import { parsePostgresUrl } from '../src/store/postgres/postgres-store.js';
import type { AlertRecord, Store } from '../src/store/store.js';
import { Prng } from './generate/prng.js';
import { int, round, sig } from './report.js';
import type { BenchmarkContext, BenchmarkDefinition, BenchmarkReport } from './types.js';

const FULL_DISTINCT = 1_000_000;
const QUICK_DISTINCT = 20_000;
const TARGET_WRITES_PER_SEC = 100_000;
const TARGET_P95_MS = 50;
const QUERIES = 200;
const BATCH = 1000;
/** Alerts the grouping phase takes (the oldest ones): enough for a rate, bounded for the run time. */
const GROUPING_FULL = 200_000;

const LEVELS: readonly RuleLevel[] = ['low', 'medium', 'high', 'high', 'critical'];
const RULES = 97;
const HOSTS = 1999;
const HOURS = 719;
const ACCOUNTS = 4999;
const FILES = 64;
const BASE = Date.UTC(2026, 9, 1);

export const storeBenchmark: BenchmarkDefinition = {
  description:
    'alert store: writes/s into SQLite and PostgreSQL vs raw inserts, incident grouping/s, query p50/p95 at 1 M alerts',
  run: runStoreBench,
};

export interface Spec {
  readonly distinct: number;
  readonly writes: number;
}

function hostOf(h: number): string {
  return `ws-${h}.corp.local`;
}

/**
 * Alert number `d` of `distinct`, written as write number `w`. Time grows with `d` (a hunt reads logs
 * mostly in time order) over 719 hours; within an hour every alert has its own rule and host pair
 * (97 × 1999 pairs, more than an hour holds), so each is a distinct fingerprint. A repeat is the same
 * alert seen again later in its hour: another occurrence.
 */
function makeAlert(d: number, w: number, repeat: boolean, distinct: number): Alert {
  const rule = d % RULES;
  const host = Math.floor(d / RULES) % HOSTS;
  const position = (d * HOURS) / distinct;
  const hour = Math.floor(position);
  const second = repeat ? 3599 - ((w * 53) % 600) : Math.floor((position - hour) * 3000);
  const timestamp = new Date(BASE + hour * 3_600_000 + second * 1000).toISOString();
  const computer = hostOf(host);
  return {
    timestamp,
    rule: {
      id: `bench-rule-${rule}`,
      title: `Benchmark rule ${rule}: suspicious logon pattern`,
      level: LEVELS[rule % LEVELS.length]!,
      tags: [
        'attack.credential_access',
        `attack.t${1000 + (rule % 60)}`,
        `attack.t${1000 + (rule % 60)}.001`,
      ],
      path: `/rules/bench-${rule}.yml`,
    },
    source: {
      path: `/evidence/dc-${w % FILES}.ndjson`,
      format: 'ndjson',
      line: w + 1,
      record: w + 1,
      offset: w * 640,
    },
    event: {
      Event: {
        System: {
          Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing' } },
          EventID: 4625,
          Channel: 'Security',
          Computer: computer,
          EventRecordID: w + 1,
          TimeCreated: { '#attributes': { SystemTime: timestamp } },
        },
        EventData: {
          TargetUserName: `user${d % ACCOUNTS}`,
          TargetDomainName: 'CORP',
          IpAddress: `10.${(host >> 8) & 255}.${host & 255}.7`,
          LogonType: 3,
          Status: '0xc000006d',
          SubStatus: '0xc000006a',
          WorkstationName: 'KALI',
          AuthenticationPackageName: 'NTLM',
          LogonProcessName: 'NtLmSsp',
        },
      },
    },
  };
}

/** Writes in order: four new alerts, then one more occurrence of an earlier one, and so on. */
export function* alertBatches(spec: Spec): Generator<Alert[]> {
  const rng = new Prng(20261101);
  let batch: Alert[] = [];
  let distinct = 0;
  for (let w = 0; w < spec.writes; w++) {
    const repeat = w % 5 === 4;
    // Repeats are of recent alerts: failures come in bursts.
    const d = repeat ? distinct - 1 - rng.int(Math.min(distinct, 5000)) : distinct++;
    batch.push(makeAlert(d, w, repeat, spec.distinct));
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Latency {
  readonly name: string;
  readonly p50: number;
  readonly p95: number;
}

async function latency(name: string, runs: number, query: (i: number) => Promise<unknown>): Promise<Latency> {
  for (let i = 0; i < 5; i++) await query(i); // warm the page cache and statement caches
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await query(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { name, p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function writeAll(
  store: Store,
  spec: Spec,
  log: (m: string) => void,
): Promise<{ seconds: number; stored: number }> {
  const hunt = await store.startHunt({ actor: 'bench', paths: ['/evidence'] });
  // BENCH_STORE_BATCH tries other transaction sizes (the writer's default is 1,000).
  const batchSize = Number(process.env['BENCH_STORE_BATCH'] ?? '0');
  const writer = new AlertBatchWriter(store, hunt.id, batchSize > 0 ? { batchSize } : {});
  const start = performance.now();
  let done = 0;
  const cpu = process.cpuUsage();
  for (const batch of alertBatches(spec)) {
    for (const alert of batch) writer.add(alert);
    await writer.ready();
    done += batch.length;
    if (done % 250_000 === 0) log(`  ${int(done)} written`);
  }
  const totals = await writer.close();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  log(`  ${sig(seconds)} s wall, ${sig((used.user + used.system) / 1e6)} s CPU in this process`);
  await store.finishHunt(hunt.id, { status: 'completed', stats: { ...totals } });
  return { seconds, stored: totals.stored };
}

/** The alerts as plain rows into a bare table: what the store's own logic is compared with. */
function rawSqlite(file: string, spec: Spec): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE raw_alerts (id INTEGER PRIMARY KEY, rule_id TEXT, rule_title TEXT, rule_level TEXT,
    rule_tags TEXT, at TEXT, event TEXT, source_path TEXT, source_line INTEGER, source_offset INTEGER)`);
  const insert = db.prepare(
    'INSERT INTO raw_alerts (rule_id, rule_title, rule_level, rule_tags, at, event, source_path, source_line, source_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const write = db.transaction((alerts: readonly Alert[]) => {
    for (const a of alerts)
      insert.run(
        a.rule.id,
        a.rule.title,
        a.rule.level,
        JSON.stringify(a.rule.tags),
        a.timestamp,
        JSON.stringify(a.event),
        a.source.path,
        a.source.line ?? null,
        a.source.offset ?? null,
      );
  });
  const start = performance.now();
  for (const batch of alertBatches(spec)) write(batch);
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return seconds;
}

async function rawPostgres(url: string, spec: Spec): Promise<number> {
  const { connectionString } = parsePostgresUrl(url);
  const client = new pg.Client({ connectionString });
  await client.connect();
  const table = `bench_raw_${process.pid}`;
  try {
    await client.query(`CREATE UNLOGGED TABLE IF NOT EXISTS ${table} (id BIGSERIAL PRIMARY KEY, rule_id TEXT,
      rule_title TEXT, rule_level TEXT, rule_tags TEXT, at TEXT, event TEXT, source_path TEXT, source_line BIGINT,
      source_offset BIGINT)`);
    await client.query(`ALTER TABLE ${table} SET LOGGED`);
    const start = performance.now();
    for (const batch of alertBatches(spec)) {
      await client.query(
        `INSERT INTO ${table} (rule_id, rule_title, rule_level, rule_tags, at, event, source_path, source_line, source_offset)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])`,
        [
          batch.map((a) => a.rule.id),
          batch.map((a) => a.rule.title),
          batch.map((a) => a.rule.level),
          batch.map((a) => JSON.stringify(a.rule.tags)),
          batch.map((a) => a.timestamp),
          batch.map((a) => JSON.stringify(a.event)),
          batch.map((a) => a.source.path),
          batch.map((a) => a.source.line ?? null),
          batch.map((a) => a.source.offset ?? null),
        ],
      );
    }
    return (performance.now() - start) / 1000;
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  }
}

/** The stored alerts, oldest first, as the grouping engine sees them (entities from the store's columns). */
async function groupingInput(
  store: Store,
  limit: number,
): Promise<{ input: GroupingAlert[]; records: Map<string, AlertRecord> }> {
  const all: AlertRecord[] = [];
  let after: { lastSeen: string | null; id: number } | undefined;
  const since = new Date(BASE).toISOString();
  // The oldest alerts: page backwards is not offered, so take the time window that holds `limit` of them.
  const hours = Math.max(1, Math.ceil((limit / Math.max(1, await store.countAlerts())) * HOURS));
  const until = new Date(BASE + hours * 3_600_000).toISOString();
  for (;;) {
    const page = await store.listAlerts({ since, until, limit: 10_000, ...(after ? { after } : {}) });
    all.push(...page);
    if (page.length < 10_000) break;
    const last = page[page.length - 1]!;
    after = { lastSeen: last.lastSeen, id: last.id };
  }
  all.sort((a, b) => (a.firstSeen! < b.firstSeen! ? -1 : a.firstSeen! > b.firstSeen! ? 1 : a.id - b.id));
  const records = new Map<string, AlertRecord>();
  const input = all.slice(0, limit).map((alert) => {
    const entities: { kind: EntityKind; value: string; display: string }[] = [];
    if (alert.host !== null) entities.push({ kind: 'host', value: alert.host, display: alert.host });
    if (alert.account !== null)
      entities.push({ kind: 'account', value: alert.account, display: alert.account });
    if (alert.sourceIp !== null)
      entities.push({ kind: 'source-ip', value: alert.sourceIp, display: alert.sourceIp });
    const id = String(alert.id);
    records.set(id, alert);
    return { id, timestamp: alert.firstSeen!, rule: alert.rule, entities };
  });
  return { input, records };
}

/** Grouping, then the incidents and memberships it decided written to the store in batches. */
async function groupIntoStore(
  store: Store,
  input: readonly GroupingAlert[],
): Promise<{ groupSeconds: number; totalSeconds: number; incidents: number }> {
  const grouper = new IncidentGrouper();
  const start = performance.now();
  const decisions = input.map((alert) => grouper.add(alert));
  const groupSeconds = (performance.now() - start) / 1000;
  const storeIds = new Map<string, number>();
  const pending = new Map<number, { alertId: number; reason: { text: string } }[]>();
  const flush = async (): Promise<void> => {
    for (const [incident, links] of pending) await store.addAlertsToIncident(incident, links, 'grouper');
    pending.clear();
  };
  let queued = 0;
  for (const decision of decisions) {
    let incident = storeIds.get(decision.incidentId);
    if (incident === undefined) {
      const created = await store.createIncident(
        {
          title: `Incident ${decision.incidentId}`,
          severity: decision.incident.severity.level,
          groupKey: decision.incidentId,
        },
        'grouper',
      );
      incident = created.id;
      storeIds.set(decision.incidentId, incident);
    }
    let links = pending.get(incident);
    if (links === undefined) pending.set(incident, (links = []));
    links.push({ alertId: Number(decision.alertId), reason: { text: decision.reason.text } });
    if (++queued % 5000 === 0) await flush();
  }
  await flush();
  return { groupSeconds, totalSeconds: (performance.now() - start) / 1000, incidents: storeIds.size };
}

async function queryLatencies(store: Store): Promise<Latency[]> {
  const rng = new Prng(7);
  const window = (i: number): { since: string; until: string } => {
    const hour = (i * 97 + rng.int(HOURS)) % (HOURS - 24);
    return {
      since: new Date(BASE + hour * 3_600_000).toISOString(),
      until: new Date(BASE + (hour + 24) * 3_600_000).toISOString(),
    };
  };
  return [
    await latency('alerts: host + 24 h window, 100 newest', QUERIES, (i) =>
      store.listAlerts({ hosts: [hostOf(rng.int(HOSTS))], ...window(i), limit: 100 }),
    ),
    await latency('alerts: host, 100 newest', QUERIES, () =>
      store.listAlerts({ hosts: [hostOf(rng.int(HOSTS))], limit: 100 }),
    ),
    await latency('alerts: 24 h window, level ≥ high, 100 newest', QUERIES, (i) =>
      store.listAlerts({ ...window(i), levels: ['high', 'critical'], limit: 100 }),
    ),
    await latency('incidents: open, page of 50', QUERIES, (i) =>
      store.listIncidents({ statuses: ['new', 'triaging', 'contained'], limit: 50, offset: (i % 10) * 50 }),
    ),
    await latency('incidents: newest 50', QUERIES, () => store.listIncidents({ limit: 50 })),
  ];
}

interface DialectResult {
  readonly dialect: string;
  readonly writesPerSec: number | null;
  readonly baselinePerSec: number | null;
  readonly stored: number;
  readonly alerts: number;
  readonly groupingPerSec: number | null;
  readonly groupingWithStorePerSec: number | null;
  readonly incidents: number;
  readonly latencies: readonly Latency[];
  readonly sizeMB: number | null;
  readonly error?: string;
}

async function benchDialect(
  dialect: 'sqlite' | 'postgres',
  location: string,
  spec: Spec,
  baseline: () => Promise<number>,
  context: BenchmarkContext,
  sizeOf: () => number | null,
): Promise<DialectResult> {
  const log = context.log;
  log(
    `${dialect}: writing ${int(spec.writes)} alerts (${int(spec.distinct)} distinct) through the store ...`,
  );
  const store = await openStore(location);
  try {
    const written = await writeAll(store, spec, log);
    log(`${dialect}: the same rows inserted raw (baseline) ...`);
    const baselineSeconds = await baseline();
    const alerts = await store.countAlerts();
    let groupingPerSec: number | null = null;
    let groupingWithStorePerSec: number | null = null;
    let incidents = 0;
    let groupingError: string | undefined;
    try {
      const { input } = await groupingInput(store, context.quick ? spec.distinct : GROUPING_FULL);
      log(`${dialect}: grouping ${int(input.length)} alerts into incidents ...`);
      const grouped = await groupIntoStore(store, input);
      groupingPerSec = input.length / grouped.groupSeconds;
      groupingWithStorePerSec = input.length / grouped.totalSeconds;
      incidents = grouped.incidents;
    } catch (error) {
      groupingError = `incident grouping: ${error instanceof Error ? error.message : String(error)}`;
    }
    log(`${dialect}: query latencies over ${int(alerts)} alerts ...`);
    const latencies = await queryLatencies(store);
    return {
      dialect,
      writesPerSec: spec.writes / written.seconds,
      baselinePerSec: spec.writes / baselineSeconds,
      stored: written.stored,
      alerts,
      groupingPerSec,
      groupingWithStorePerSec,
      incidents,
      latencies,
      sizeMB: sizeOf(),
      ...(groupingError !== undefined ? { error: groupingError } : {}),
    };
  } finally {
    await store.close();
  }
}

function pgUrl(): string | undefined {
  const url = process.env['BENCH_PG_URL'] ?? process.env['BALLOTGUARD_TEST_PG_URL'];
  return url === undefined || url === '' ? undefined : url;
}

async function runStoreBench(context: BenchmarkContext): Promise<BenchmarkReport> {
  const distinct = context.quick ? QUICK_DISTINCT : FULL_DISTINCT;
  const spec: Spec = { distinct, writes: (distinct * 5) / 4 };
  const scratch = mkdtempSync(join(tmpdir(), 'ballotguard-store-bench-'));
  const notes: string[] = [];
  const results: DialectResult[] = [];
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
  try {
    const file = join(scratch, 'store.db');
    results.push(
      await benchDialect(
        'sqlite',
        file,
        spec,
        () => Promise.resolve().then(() => rawSqlite(join(scratch, 'raw.db'), spec)),
        context,
        () => {
          let bytes = 0;
          for (const suffix of ['', '-wal']) {
            try {
              bytes += statSync(file + suffix).size;
            } catch {
              // no WAL file after a clean close
            }
          }
          return bytes / 2 ** 20;
        },
      ),
    );
    const url = pgUrl();
    if (url === undefined)
      notes.push('PostgreSQL: skipped (set BALLOTGUARD_TEST_PG_URL or BENCH_PG_URL to a server)');
    else {
      const target = new URL(url);
      target.searchParams.set('schema', schema);
      try {
        results.push(
          await benchDialect(
            'postgres',
            target.toString(),
            spec,
            () => rawPostgres(url, spec),
            context,
            () => null,
          ),
        );
      } catch (error) {
        notes.push(`FAILED: PostgreSQL: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        const client = new pg.Client({ connectionString: parsePostgresUrl(url).connectionString });
        await client.connect().then(
          () => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end()),
          () => undefined,
        );
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const rows: string[][] = [];
  const summary: Record<string, unknown> = {
    writes: spec.writes,
    distinct: spec.distinct,
    quick: context.quick,
  };
  for (const r of results) {
    rows.push([
      `${r.dialect}: alert writes (store)`,
      r.writesPerSec === null ? '-' : `${int(r.writesPerSec)}/s`,
      '',
    ]);
    rows.push([
      `${r.dialect}: raw inserts (baseline)`,
      r.baselinePerSec === null ? '-' : `${int(r.baselinePerSec)}/s`,
      '',
    ]);
    rows.push([
      `${r.dialect}: incident grouping`,
      r.groupingPerSec === null ? '-' : `${int(r.groupingPerSec)}/s`,
      '',
    ]);
    rows.push([
      `${r.dialect}: grouping + storing incidents`,
      r.groupingWithStorePerSec === null ? '-' : `${int(r.groupingWithStorePerSec)}/s`,
      '',
    ]);
    for (const l of r.latencies)
      rows.push([`${r.dialect}: ${l.name}`, `${sig(l.p50)} ms`, `${sig(l.p95)} ms`]);
    const worstP95 = Math.max(...r.latencies.map((l) => l.p95));
    const ratio =
      r.writesPerSec !== null && r.baselinePerSec !== null ? r.writesPerSec / r.baselinePerSec : null;
    notes.push(
      `${r.dialect}: ${int(r.stored)} occurrences into ${int(r.alerts)} alerts, ${int(r.incidents)} incidents` +
        (r.sizeMB !== null ? `, ${sig(r.sizeMB)} MB on disk` : '') +
        `; store ÷ raw inserts = ${ratio === null ? '-' : sig(ratio)}; worst query p95 ${sig(worstP95)} ms (target < ${TARGET_P95_MS})`,
    );
    if (r.error !== undefined) notes.push(`FAILED: ${r.dialect}: ${r.error}`);
    summary[r.dialect] = {
      writesPerSec: r.writesPerSec === null ? null : Math.round(r.writesPerSec),
      baselinePerSec: r.baselinePerSec === null ? null : Math.round(r.baselinePerSec),
      ratio: ratio === null ? null : round(ratio),
      alerts: r.alerts,
      incidents: r.incidents,
      groupingPerSec: r.groupingPerSec === null ? null : Math.round(r.groupingPerSec),
      groupingWithStorePerSec:
        r.groupingWithStorePerSec === null ? null : Math.round(r.groupingWithStorePerSec),
      latencyMs: Object.fromEntries(
        r.latencies.map((l) => [l.name, { p50: round(l.p50, 2), p95: round(l.p95, 2) }]),
      ),
      worstP95Ms: round(worstP95, 2),
      ...(r.sizeMB !== null ? { sizeMB: round(r.sizeMB, 1) } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
    };
  }
  const sqlite = results.find((r) => r.dialect === 'sqlite');
  if (sqlite !== undefined) {
    const worst = Math.max(...sqlite.latencies.map((l) => l.p95));
    const writesMet = sqlite.writesPerSec !== null && sqlite.writesPerSec >= TARGET_WRITES_PER_SEC;
    notes.push(
      `target: SQLite alert writes ≥ ${int(TARGET_WRITES_PER_SEC)}/s: ${writesMet ? 'met' : 'NOT met'}; ` +
        `query p95 < ${TARGET_P95_MS} ms at ${int(sqlite.alerts)} alerts: ${worst < TARGET_P95_MS ? 'met' : 'NOT met'}`,
    );
    summary['targetsMet'] = { sqliteWrites: writesMet, queryP95: worst < TARGET_P95_MS };
  }
  if (context.quick) notes.push('BENCH_QUICK: 20 k alerts; the targets are for the full run (1 M)');
  return {
    title: `${int(spec.writes)} alert writes (${int(spec.distinct)} distinct alerts), ${RULES} rules, ${HOSTS} hosts, ${HOURS} hours`,
    table: { header: ['measurement', 'rate / p50', 'p95'], rows },
    notes,
    summary,
  };
}
