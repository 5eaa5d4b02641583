/**
 * The `hunt` benchmark: the real CLI, as a user runs it, over a generated corpus of Sysmon and Security
 * records with every SigmaHQ Windows rule loaded, on one thread and on two; and in the same run the
 * baseline, `JSON.parse` alone over the same bytes, also in a child process. Targets (issue): hunt on one
 * thread ≥ 0.5 × the JSON.parse throughput; two threads ≥ 1.6 × one; peak RSS < 500 MB; 100 × the
 * 2,300 events/s of the SQL-based engine in use today.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedRoot } from '../test/helpers/shared.js';
import type { CorpusOptions, CorpusStats } from './generate/corpus.js';
import { ensureCorpus } from './generate/corpus.js';
import type { ChildRun } from './measure.js';
import { runMeasured } from './measure.js';
import { int, round, sig } from './report.js';
import type { BenchmarkContext, BenchmarkDefinition, BenchmarkReport } from './types.js';

const SEED = 20250501;
const FULL_EVENTS = 1_000_000;
const QUICK_EVENTS = 20_000;
/** Events in the tiny corpus whose hunt time is taken as the fixed cost (process start, rule loading). */
const STARTUP_EVENTS = 200;
const SQL_ENGINE_EVENTS_PER_SEC = 2_300;
const TARGET_RATIO = 0.5;
const TARGET_SPEEDUP = 1.6;
const TARGET_RSS_MB = 500;
const TARGET_VS_SQL = 100;
const RULES = join('corpora', 'sigma', 'rules', 'windows');

/** The `--stats-json` document (CONTRACTS.md), as far as this benchmark reads it. */
interface HuntStats {
  readonly files: number;
  readonly events: number;
  readonly alerts: number;
  readonly rules: { readonly loaded: number; readonly failed: number };
  readonly skipped: number;
  readonly seconds: number;
  readonly peakRssMB?: number;
}

interface Measured {
  readonly label: string;
  readonly run: ChildRun;
  readonly events: number;
  /** Size of the input, for MB/s. */
  readonly bytes: number;
  readonly alerts?: number;
  readonly stats?: HuntStats;
  readonly error?: string;
}

export const huntBenchmark: BenchmarkDefinition = {
  description:
    'ballotguard hunt over Sysmon/Security NDJSON with all SigmaHQ Windows rules, vs JSON.parse alone',
  run: runHunt,
};

async function runHunt(context: BenchmarkContext): Promise<BenchmarkReport> {
  const { projectRoot, log } = context;
  const options: CorpusOptions = { events: context.quick ? QUICK_EVENTS : FULL_EVENTS, seed: SEED };
  const corpus = ensureCorpus(context.dataDir, options, log);
  if (corpus.cached) log(`using cached corpus ${corpus.path}`);
  const startupCorpus = ensureCorpus(context.dataDir, { events: STARTUP_EVENTS, seed: SEED }, log);
  const timeoutMs = (context.quick ? 5 : 60) * 60_000;
  const notes: string[] = [];
  const errors: string[] = [];
  const title = `${int(corpus.stats.events)} events (${int(corpus.stats.attacks)} attacks), ${sig(corpus.stats.bytes / 1e6)} MB NDJSON`;

  const baselines: Measured[] = [];
  for (let i = 0; i < context.repeat; i++)
    baselines.push(await jsonParseBaseline(corpus.path, projectRoot, timeoutMs, log));
  const baseline = best(baselines);
  if (baseline.error !== undefined) errors.push(`JSON.parse baseline: ${baseline.error}`);

  const rulesPath = join(sharedRoot(), RULES);
  const cliMain = join(projectRoot, 'dist', 'src', 'cli', 'main.js');
  let hunts: Measured[] = [];
  if (!existsSync(rulesPath)) {
    errors.push(
      `SigmaHQ rules not found at ${rulesPath} (set BALLOTGUARD_SHARED to the folder holding corpora/)`,
    );
  } else if (!existsSync(cliMain)) {
    errors.push(`the hunt CLI is not built (${cliMain} missing); run npm run build`);
  } else {
    const startup = await hunt(
      'hunt startup (tiny input)',
      startupCorpus.path,
      startupCorpus.stats,
      1,
      context,
      rulesPath,
      timeoutMs,
    );
    const one: Measured[] = [];
    const two: Measured[] = [];
    for (let i = 0; i < context.repeat; i++) {
      one.push(await hunt('hunt --threads 1', corpus.path, corpus.stats, 1, context, rulesPath, timeoutMs));
      two.push(await hunt('hunt --threads 2', corpus.path, corpus.stats, 2, context, rulesPath, timeoutMs));
    }
    hunts = [best(one), best(two), startup];
    for (const m of hunts) if (m.error !== undefined) errors.push(`${m.label}: ${m.error}`);
  }

  const [one, two, startup] = hunts;
  const perSec = (m: Measured | undefined): number | null =>
    m === undefined || m.error !== undefined || m.run.wallSeconds <= 0 ? null : m.events / m.run.wallSeconds;
  const jsonRate = perSec(baseline);
  const oneRate = perSec(one);
  const twoRate = perSec(two);
  const ratio = oneRate !== null && jsonRate !== null ? oneRate / jsonRate : null;
  const speedup = oneRate !== null && twoRate !== null ? twoRate / oneRate : null;
  const vsSql = oneRate !== null ? oneRate / SQL_ENGINE_EVENTS_PER_SEC : null;
  // A run that failed early says nothing about memory under load.
  const rssValues = [one, two]
    .map((m) => (m === undefined || m.error !== undefined ? null : rssOf(m)))
    .filter((v): v is number => v !== null);
  const peakRss = rssValues.length > 0 ? Math.max(...rssValues) : null;
  const startupSeconds =
    startup !== undefined && startup.error === undefined ? startup.run.wallSeconds : null;
  const steadyRate =
    one !== undefined &&
    one.error === undefined &&
    startupSeconds !== null &&
    one.run.wallSeconds > startupSeconds
      ? one.events / (one.run.wallSeconds - startupSeconds)
      : null;

  if (one?.stats !== undefined && two?.stats !== undefined && one.stats.alerts !== two.stats.alerts) {
    notes.push(
      `WARNING: alerts differ between --threads 1 (${int(one.stats.alerts)}) and --threads 2 (${int(two.stats.alerts)}); CONTRACTS.md says they must not`,
    );
  }
  for (const m of [one, two]) {
    if (m?.stats !== undefined && m.stats.events + m.stats.skipped !== corpus.stats.events) {
      notes.push(
        `WARNING: ${m.label} read ${int(m.stats.events)} events and skipped ${int(m.stats.skipped)}, but the corpus holds ${int(corpus.stats.events)}`,
      );
    }
  }
  if (one?.stats !== undefined) {
    notes.push(
      `rules: ${int(one.stats.rules.loaded)} loaded, ${int(one.stats.rules.failed)} failed; alerts: ${int(one.stats.alerts)} (corpus has ${int(corpus.stats.attacks)} attack records)`,
    );
  }
  notes.push(
    target(
      'hunt 1 thread ÷ JSON.parse',
      ratio,
      `≥ ${TARGET_RATIO}`,
      ratio !== null && ratio >= TARGET_RATIO,
      (v) => sig(v),
    ),
  );
  notes.push(
    target(
      'hunt 2 threads ÷ 1 thread',
      speedup,
      `≥ ${TARGET_SPEEDUP}`,
      speedup !== null && speedup >= TARGET_SPEEDUP,
      (v) => sig(v),
    ),
  );
  notes.push(
    target('peak RSS (MB)', peakRss, `< ${TARGET_RSS_MB}`, peakRss !== null && peakRss < TARGET_RSS_MB, (v) =>
      sig(v),
    ),
  );
  notes.push(
    target(
      `hunt 1 thread ÷ SQL engine (${int(SQL_ENGINE_EVENTS_PER_SEC)}/s)`,
      vsSql,
      `≥ ${TARGET_VS_SQL}`,
      vsSql !== null && vsSql >= TARGET_VS_SQL,
      (v) => `${sig(v)}×`,
    ),
  );
  if (steadyRate !== null && startupSeconds !== null) {
    notes.push(
      `fixed cost (process start + rule loading, from the tiny input): ${sig(startupSeconds)} s; 1-thread rate without it: ${int(steadyRate)} events/s`,
    );
  }
  if (context.quick)
    notes.push('BENCH_QUICK: small input, so fixed costs dominate; use the full run for the targets');
  if (rssValues.length === 0 && hunts.some((m) => m.error === undefined))
    notes.push('peak RSS unknown: /usr/bin/time missing and the stats JSON has no peakRssMB');
  for (const e of errors) notes.push(`FAILED: ${e}`);

  const rows = [baseline, ...hunts].map((m) => row(m));
  const summary: Record<string, unknown> = {
    events: corpus.stats.events,
    rules: one?.stats?.rules.loaded ?? null,
    rulesFailed: one?.stats?.rules.failed ?? null,
    alerts: one?.stats?.alerts ?? null,
    alertsThreads2: two?.stats?.alerts ?? null,
    eventsPerSec: nullableRound(oneRate, 0),
    eventsPerSecThreads2: nullableRound(twoRate, 0),
    jsonParseEventsPerSec: nullableRound(jsonRate, 0),
    ratio: nullableRound(ratio),
    speedupThreads2: nullableRound(speedup),
    vsSqlEngine: nullableRound(vsSql, 1),
    peakRssMB: nullableRound(peakRss, 1),
    peakRssMBThreads1: one === undefined ? null : nullableRound(rssOf(one), 1),
    peakRssMBThreads2: two === undefined ? null : nullableRound(rssOf(two), 1),
    startupSeconds: nullableRound(startupSeconds),
    eventsPerSecExcludingStartup: nullableRound(steadyRate, 0),
    corpusBytes: corpus.stats.bytes,
    attacks: corpus.stats.attacks,
    quick: context.quick,
    targetsMet: {
      ratio: ratio !== null && ratio >= TARGET_RATIO,
      speedupThreads2: speedup !== null && speedup >= TARGET_SPEEDUP,
      peakRss: peakRss !== null && peakRss < TARGET_RSS_MB,
      vsSqlEngine: vsSql !== null && vsSql >= TARGET_VS_SQL,
    },
  };
  if (errors.length > 0) summary['errors'] = errors;
  return {
    title,
    table: {
      header: ['measurement', 'events', 'wall s', 'events/s', 'MB/s', 'peak RSS MB', 'alerts', 'exit'],
      rows,
    },
    notes,
    summary,
  };
}

async function jsonParseBaseline(
  path: string,
  cwd: string,
  timeoutMs: number,
  log: (m: string) => void,
): Promise<Measured> {
  const script = fileURLToPath(new URL('./json-parse-baseline.js', import.meta.url));
  log('measuring JSON.parse alone ...');
  const run = await runMeasured(process.execPath, [script, path], { cwd, timeoutMs });
  const label = 'JSON.parse only';
  if (run.exitCode !== 0) return { label, run, events: 0, bytes: 0, error: failure(run) };
  try {
    const out = JSON.parse(run.stdout.trim()) as { events: number; skipped: number; bytes: number };
    return { label, run, events: out.events, bytes: out.bytes };
  } catch {
    return { label, run, events: 0, bytes: 0, error: `unreadable output: ${run.stdout.slice(0, 200)}` };
  }
}

async function hunt(
  label: string,
  path: string,
  corpus: CorpusStats,
  threads: number,
  context: BenchmarkContext,
  rulesPath: string,
  timeoutMs: number,
): Promise<Measured> {
  const scratch = mkdtempSync(join(tmpdir(), 'ballotguard-hunt-'));
  const statsPath = join(scratch, 'stats.json');
  const args = [
    join(context.projectRoot, 'bin', 'ballotguard.js'),
    'hunt',
    path,
    '--rules',
    rulesPath,
    '--no-builtin',
    '--format',
    'ndjson',
    '--output',
    '/dev/null',
    '--stats-json',
    statsPath,
    '--threads',
    String(threads),
  ];
  context.log(`measuring ${label} over ${int(corpus.events)} events ...`);
  try {
    const run = await runMeasured(process.execPath, args, { cwd: context.projectRoot, timeoutMs });
    if (run.exitCode !== 0) return { label, run, events: 0, bytes: corpus.bytes, error: failure(run) };
    let stats: HuntStats;
    try {
      stats = parseStats(readFileSync(statsPath, 'utf8'));
    } catch (error) {
      return {
        label,
        run,
        events: 0,
        bytes: corpus.bytes,
        error: `stats JSON ${statsPath}: ${error instanceof Error ? error.message : String(error)}; stderr: ${run.stderrTail.slice(-500)}`,
      };
    }
    return { label, run, events: stats.events, bytes: corpus.bytes, alerts: stats.alerts, stats };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function parseStats(text: string): HuntStats {
  const value = JSON.parse(text) as Record<string, unknown>;
  const rules = value['rules'] as Record<string, unknown> | undefined;
  const count = (v: unknown, name: string): number => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    if (Array.isArray(v)) return v.length;
    throw new Error(`field ${name} is not a count: ${JSON.stringify(v)}`);
  };
  const stats: HuntStats = {
    files: count(value['files'], 'files'),
    events: count(value['events'], 'events'),
    alerts: count(value['alerts'], 'alerts'),
    rules: {
      loaded: count(rules?.['loaded'], 'rules.loaded'),
      failed: count(rules?.['failed'], 'rules.failed'),
    },
    skipped: count(value['skipped'], 'skipped'),
    seconds: typeof value['seconds'] === 'number' ? value['seconds'] : NaN,
  };
  const rss = value['peakRssMB'];
  return typeof rss === 'number' ? { ...stats, peakRssMB: rss } : stats;
}

function failure(run: ChildRun): string {
  const how = run.timedOut
    ? 'timed out'
    : run.signal !== null
      ? `killed by ${run.signal}`
      : `exit ${run.exitCode}`;
  // Prefer the lines that name the error over the stack frames around them.
  const lines = run.stderrTail
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const telling = lines.filter((l) => /error|fatal|cannot|failed|ERR_|url:/i.test(l) && !l.startsWith('at '));
  const tail = (telling.length > 0 ? telling.slice(0, 4) : lines.slice(-4)).join(' | ');
  return `${how} after ${sig(run.wallSeconds)} s: ${run.command}${tail === '' ? '' : `; stderr: ${tail}`}`;
}

/** Peak RSS measured by us (/usr/bin/time), else what the CLI reports about itself. */
function rssOf(m: Measured): number | null {
  return m.run.peakRssMB ?? m.stats?.peakRssMB ?? null;
}

function best(runs: readonly Measured[]): Measured {
  const ok = runs.filter((m) => m.error === undefined);
  const pool = ok.length > 0 ? ok : runs;
  return pool.reduce((a, b) => (b.run.wallSeconds < a.run.wallSeconds ? b : a));
}

function row(m: Measured): string[] {
  const rate = m.error === undefined && m.run.wallSeconds > 0 ? m.events / m.run.wallSeconds : null;
  const rss = rssOf(m);
  return [
    m.label,
    m.error === undefined ? int(m.events) : '-',
    sig(m.run.wallSeconds),
    rate === null ? '-' : int(rate),
    rate === null ? '-' : sig(m.bytes / 1e6 / m.run.wallSeconds),
    rss === null ? '-' : sig(rss),
    m.alerts === undefined ? '-' : int(m.alerts),
    m.run.timedOut ? 'timeout' : String(m.run.exitCode ?? m.run.signal),
  ];
}

function target(
  label: string,
  value: number | null,
  goal: string,
  met: boolean,
  show: (v: number) => string,
): string {
  return `${label}: ${value === null ? 'n/a' : show(value)} (target ${goal}) ${value === null ? 'NOT MEASURED' : met ? 'MET' : 'NOT MET'}`;
}

function nullableRound(n: number | null, digits = 3): number | null {
  return n === null || !Number.isFinite(n) ? null : round(n, digits);
}
