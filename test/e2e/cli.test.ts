/**
 * End-to-end tests of the `ballotguard` command (CONTRACTS.md): the built program is spawned as a user or a
 * script would run it, and only its exit code, stdout, stderr and written files are looked at. Inputs are
 * the built-in pack's own test events, so every expected alert is known without asking the engine.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, sharedPath } from '../helpers/shared.js';
import {
  builtinRules,
  packCounts,
  casesOf,
  garbage,
  recordKey,
  ruleCases,
  stamped,
  timeFor,
  writeConcatenated,
  writeGzip,
  writeJsonArray,
  writeManyFiles,
  writeNdjson,
} from './fixtures.js';
import type { RuleCase } from './fixtures.js';

const PROCDUMP = 'proc_creation_win_lsass_dump_procdump.yml'; // high, Windows process creation
const PROXYLOGON = 'web_exchange_proxylogon_ssrf.yml'; // high, IIS/W3C web log
const AUTODISCOVER = 'web_exchange_autodiscover_scripted_client.yml'; // medium, IIS/W3C web log

const ruleFile = (name: string): string => {
  const found = allCases.find((c) => basename(c.ruleFile) === name);
  if (found === undefined) throw new Error(`no built-in rule ${name}`);
  return found.ruleFile;
};

// ---------------------------------------------------------------------------------------------------------
// Running the program

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

let work: string;
let env: NodeJS.ProcessEnv;

/** A run that has not ended by then is stuck (every run here takes a second or two), not slow. */
const HANG_MS = 30_000;

/**
 * Runs `node bin/ballotguard.js ...args` from the project root; resolves when it exits. stdout is a
 * socket pair read by this process, as for any program that drives the CLI: a stuck writer shows here.
 */
function cli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'ballotguard.js'), ...args], {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, HANG_MS);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code,
        stdout: stdoutBytes.toString('utf8'),
        stdoutBytes,
        stderr: hung
          ? `${stderr}\n[test] killed: no exit after ${HANG_MS / 1000} s with ${stdoutBytes.length} bytes on stdout (args: ${args.join(' ')})`
          : stderr,
      });
    });
  });
}

/** Fails with the program's own output, which says far more than "expected 1 to be 0". */
function expectExit(run: Run, code: number): void {
  if (run.code !== code) {
    throw new Error(
      `exit code ${String(run.code)}, expected ${code}\n--- stderr ---\n${run.stderr.slice(0, 4000)}\n--- stdout ---\n${run.stdout.slice(0, 2000)}`,
    );
  }
}

/** Newest modification time of the TypeScript the CLI is built from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const info = statSync(path);
    if (info.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) newest = Math.max(newest, info.mtimeMs);
  }
  return newest;
}

/**
 * `npm test` builds first; a bare `npx vitest run` may find no build or a stale one, so build then: testing
 * yesterday's program would pass or fail for the wrong reasons.
 */
function ensureBuilt(): void {
  const entry = join(projectRoot, 'dist', 'src', 'cli', 'main.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestSource(join(projectRoot, 'src'))) return;
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  // Type errors elsewhere still emit JavaScript; only a missing entry point stops the tests.
  if (!existsSync(entry)) throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
}

// ---------------------------------------------------------------------------------------------------------
// Reading the output

interface AlertOut {
  timestamp: string;
  rule: { id: string; title: string; level: string; tags: string[] };
  source: { path: string; line?: number; record?: number; format?: string };
  event: Record<string, unknown>;
}

function parseNdjson(text: string): AlertOut[] {
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      try {
        return JSON.parse(line) as AlertOut;
      } catch (error) {
        throw new Error(
          `ndjson line ${i + 1} does not parse (${(error as Error).message}): ${line.slice(0, 200)}`,
        );
      }
    });
}

/** Checks the contract shape of one alert (CONTRACTS.md, hunt ndjson). */
function expectAlertShape(alert: AlertOut): void {
  expect(alert.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  expect(typeof alert.rule.id).toBe('string');
  expect(alert.rule.id.length).toBeGreaterThan(0);
  expect(typeof alert.rule.title).toBe('string');
  expect(['informational', 'low', 'medium', 'high', 'critical']).toContain(alert.rule.level);
  expect(Array.isArray(alert.rule.tags)).toBe(true);
  for (const tag of alert.rule.tags) expect(typeof tag).toBe('string');
  expect(typeof alert.source.path).toBe('string');
  expect(alert.source.line === undefined || Number.isInteger(alert.source.line)).toBe(true);
  expect(alert.source.line !== undefined || alert.source.record !== undefined).toBe(true);
  expect(typeof alert.event).toBe('object');
  expect(alert.event).not.toBeNull();
}

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and newlines. Rejects anything malformed. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== ',' && next !== '\n' && next !== '\r' && next !== undefined)
          throw new Error(`csv: text after a closing quote at offset ${i}`);
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new Error(`csv: quote inside an unquoted field at offset ${i}`);
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
    i++;
  }
  if (quoted) throw new Error('csv: unterminated quoted field');
  if (field !== '' || row.length > 0) throw new Error('csv: last row has no line end');
  return rows;
}

interface Stats {
  files: number;
  events: number;
  alerts: number;
  rules: { loaded: number; failed: number };
  skipped: number;
  seconds: number;
  [extra: string]: unknown;
}

function readStats(file: string): Stats {
  const stats = JSON.parse(readFileSync(file, 'utf8')) as Stats;
  for (const key of ['files', 'events', 'alerts', 'skipped'] as const)
    expect(Number.isInteger(stats[key]), key).toBe(true);
  expect(Number.isInteger(stats.rules.loaded)).toBe(true);
  expect(Number.isInteger(stats.rules.failed)).toBe(true);
  expect(typeof stats.seconds).toBe('number');
  expect(stats.seconds).toBeGreaterThanOrEqual(0);
  return stats;
}

/**
 * Every alert must come from a generated record whose own rule must match it, and every such record must
 * have alerted: `byKey` maps `file|timestamp` (timestamps are unique per generated file) to its case.
 * Only valid when the rules loaded are exactly the cases' rules and none of them fires on another's events.
 */
function expectExactlyTheMatches(alerts: readonly AlertOut[], byKey: ReadonlyMap<string, RuleCase>): void {
  const seen = new Set<string>();
  for (const alert of alerts) {
    const key = `${basename(alert.source.path)}|${alert.timestamp}`;
    const origin = byKey.get(key);
    expect(origin, `alert ${key} from no generated record`).toBeDefined();
    expect(origin!.expect, `${origin!.name} must not match`).toBe('match');
    expect(alert.rule.id).toBe(origin!.ruleId);
    expect(alert.event).toEqual(stamped(origin!.event, alert.timestamp));
    expect(seen.has(key), `two alerts for ${key}`).toBe(false);
    seen.add(key);
  }
  const missing = [...byKey].filter(([key, c]) => c.expect === 'match' && !seen.has(key));
  expect(missing.map(([key, c]) => `${key} ${c.name}`)).toEqual([]);
}

/** Index of generated records by `file|timestamp`, for `expectExactlyTheMatches`. */
function indexed(
  file: string,
  cases: readonly RuleCase[],
  firstTime: number,
  into = new Map<string, RuleCase>(),
): Map<string, RuleCase> {
  cases.forEach((c, i) => into.set(`${basename(file)}|${timeFor(firstTime + i)}`, c));
  return into;
}

// ---------------------------------------------------------------------------------------------------------

let allCases: RuleCase[];
let procdump: RuleCase[];
let proxylogon: RuleCase[];
let autodiscover: RuleCase[];

beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'ballotguard-e2e-'));
  const config = join(work, 'empty-config.yaml');
  writeFileSync(config, '');
  env = {
    ...process.env,
    // A private rule cache: the user's may be large (SigmaHQ) or written by another run at the same time.
    BALLOTGUARD_CACHE_DIR: join(work, 'cache'),
    // No ./ballotguard.yaml or $BALLOTGUARD_CONFIG of the developer's may change the defaults under test.
    BALLOTGUARD_CONFIG: config,
    NO_COLOR: '1',
  };
  allCases = ruleCases();
  procdump = casesOf(allCases, PROCDUMP);
  proxylogon = casesOf(allCases, PROXYLOGON);
  autodiscover = casesOf(allCases, AUTODISCOVER);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A fresh folder inside the run's temp folder. */
function folder(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------------------

describe.concurrent('help and usage errors', () => {
  it.each([[[]], [['hunt']], [['rules']], [['rules', 'check']], [['rules', 'test']]])(
    '%j --help exits 0 and shows an example on stdout',
    async (command) => {
      const run = await cli([...command, '--help']);
      expectExit(run, 0);
      expect(run.stdout).toContain('Usage: ballotguard');
      expect(run.stdout).toContain('Example');
      expect(run.stdout).toContain('$ ballotguard');
    },
  );

  it.each([
    [['hunt', 'examples/logs', '--no-such-option']],
    [['rules', 'check', 'rules', '--no-such-option']],
    [['rules', 'test', '--no-such-option']],
    [['--no-such-option']],
  ])('%j: unknown option exits 2 and names it on stderr', async (args) => {
    const run = await cli(args);
    expectExit(run, 2);
    expect(run.stderr).toContain('--no-such-option');
    expect(run.stdout).toBe('');
  });

  it('hunt with no paths exits 2 and says what to give', async () => {
    const run = await cli(['hunt', '--no-builtin', '--rules', ruleFile(PROCDUMP)]);
    expectExit(run, 2);
    expect(run.stderr).toMatch(/file or folder/);
    expect(run.stdout).toBe('');
  });

  it.each([
    [['--format', 'xml'], '--format'],
    [['--min-level', 'severe'], '--min-level'],
    [['--threads', '0'], '--threads'],
    [['--max-record-bytes', 'lots'], '--max-record-bytes'],
  ])('hunt %j is a usage error (exit 2) naming the option', async (extra, option) => {
    const run = await cli(['hunt', 'examples/logs', '--no-builtin', '--rules', ruleFile(PROCDUMP), ...extra]);
    expectExit(run, 2);
    expect(run.stderr).toContain(option);
  });

  it('no command, or `rules` without a subcommand, is a usage error: help on stderr, exit 2', async () => {
    for (const args of [[], ['rules']]) {
      const run = await cli(args);
      expectExit(run, 2);
      expect(run.stderr).toContain('Usage: ballotguard');
      expect(run.stdout).toBe('');
    }
  });

  it('an unknown command exits 2', async () => {
    const run = await cli(['hunnt', 'examples/logs']);
    expectExit(run, 2);
    expect(run.stderr).toContain('hunnt');
  });
});

describe.concurrent('hunt: inputs that are missing', () => {
  it('a nonexistent path exits 1 with a message naming it', async () => {
    const missing = join(work, 'no-such-folder', 'events.ndjson');
    const run = await cli(['hunt', missing, '--no-builtin', '--rules', ruleFile(PROCDUMP)]);
    expectExit(run, 1);
    expect(run.stderr).toContain(missing);
    expect(run.stdout).toBe('');
  });

  it('a nonexistent path beside a good one is reported but the hunt runs (exit 0)', async () => {
    const dir = folder('missing-beside-good');
    const good = join(dir, 'events.ndjson');
    writeNdjson(good, procdump);
    const missing = join(dir, 'gone.ndjson');
    const run = await cli([
      'hunt',
      missing,
      good,
      '--no-builtin',
      '--rules',
      ruleFile(PROCDUMP),
      '--threads',
      '1',
    ]);
    expectExit(run, 0);
    expect(run.stderr).toContain(missing);
    expectExactlyTheMatches(parseNdjson(run.stdout), indexed(good, procdump, 0));
  });
});

describe.concurrent('hunt: output formats', () => {
  let dir: string;
  let windowsFile: string;
  let webFile: string;
  let byKey: Map<string, RuleCase>;
  let rulesArgs: string[];
  let ndjson: Run;
  let odd: string;

  beforeAll(async () => {
    dir = folder('formats');
    windowsFile = join(dir, 'sysmon.ndjson');
    webFile = join(dir, 'iis.ndjson');
    writeNdjson(windowsFile, procdump, 0);
    writeNdjson(webFile, proxylogon, 100);
    byKey = indexed(windowsFile, procdump, 0);
    indexed(webFile, proxylogon, 100, byKey);
    // The ProcDump rule again under a title that needs CSV quoting (comma and double quotes).
    odd = join(dir, 'odd-title.yml');
    writeFileSync(
      odd,
      readFileSync(ruleFile(PROCDUMP), 'utf8')
        .replace(/^title: .*$/m, `title: 'LSASS dump, "ProcDump" style'`)
        .replace(/^id: .*$/m, 'id: 0f0e0d0c-0b0a-4908-8706-050403020100'),
    );
    rulesArgs = [
      '--no-builtin',
      '--rules',
      ruleFile(PROCDUMP),
      '--rules',
      ruleFile(PROXYLOGON),
      '--threads',
      '1',
    ];
    ndjson = await cli(['hunt', windowsFile, webFile, ...rulesArgs, '--format', 'ndjson']);
  });

  it('ndjson (also the default when stdout is not a TTY): one alert per line, contract fields, exact alerts', async () => {
    expectExit(ndjson, 0);
    const alerts = parseNdjson(ndjson.stdout);
    for (const alert of alerts) expectAlertShape(alert);
    expectExactlyTheMatches(alerts, byKey);
    // Position: NDJSON records are one per line, written in case order.
    for (const alert of alerts) {
      const file = alert.source.path === windowsFile ? windowsFile : webFile;
      expect(alert.source.path).toBe(file);
      const cases = file === windowsFile ? procdump : proxylogon;
      const first = file === windowsFile ? 0 : 100;
      const line = cases.findIndex((_, i) => timeFor(first + i) === alert.timestamp) + 1;
      expect(alert.source.line).toBe(line);
    }
    // Rule metadata comes from the rule file.
    const procdumpAlert = alerts.find((a) => a.source.path === windowsFile)!;
    expect(procdumpAlert.rule).toMatchObject({
      id: 'f4a05cc9-28f6-45f9-b16c-38723011a580',
      title: 'LSASS Memory Dump With ProcDump Style Flags',
      level: 'high',
      tags: ['attack.credential-access', 'attack.t1003.001'],
    });
    // Diagnostics (the summary) go to stderr, never into the machine output.
    expect(ndjson.stderr).toMatch(/Hunted 2 file/);

    const byDefault = await cli(['hunt', windowsFile, webFile, ...rulesArgs]);
    expectExit(byDefault, 0);
    expect(byDefault.stdout).toBe(ndjson.stdout);
  });

  it('json is an array of the same objects', async () => {
    const run = await cli(['hunt', windowsFile, webFile, ...rulesArgs, '--format', 'json']);
    expectExit(run, 0);
    const parsed = JSON.parse(run.stdout) as unknown;
    expect(Array.isArray(parsed)).toBe(true);
    expect(parsed).toEqual(parseNdjson(ndjson.stdout));
  });

  it('json with no alerts is an empty array', async () => {
    const quiet = join(dir, 'nothing.ndjson');
    writeNdjson(
      quiet,
      procdump.filter((c) => c.expect === 'no-match'),
    );
    const run = await cli(['hunt', quiet, ...rulesArgs, '--format', 'json']);
    expectExit(run, 0);
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  it('csv has a header and one properly quoted row per alert', async () => {
    const run = await cli(['hunt', windowsFile, webFile, ...rulesArgs, '--rules', odd, '--format', 'csv']);
    expectExit(run, 0);
    const rows = parseCsv(run.stdout);
    const header = rows[0]!;
    for (const column of ['timestamp', 'level', 'rule_id', 'rule_title', 'tags', 'path', 'line', 'event'])
      expect(header).toContain(column);
    const col = (name: string): number => header.indexOf(name);
    const body = rows.slice(1);
    for (const row of body) expect(row.length).toBe(header.length);
    const matches = [...byKey.values()].filter((c) => c.expect === 'match');
    const procdumpMatches = procdump.filter((c) => c.expect === 'match').length;
    // Every match once, plus the ProcDump matches again from the copy with the awkward title.
    expect(body.length).toBe(matches.length + procdumpMatches);
    const awkward = body.filter((row) => row[col('rule_title')] === 'LSASS dump, "ProcDump" style');
    expect(awkward.length).toBe(procdumpMatches);
    expect(run.stdout).toContain('"LSASS dump, ""ProcDump"" style"');
    for (const row of body) {
      const event = JSON.parse(row[col('event')]!) as Record<string, unknown>;
      const timestamp = row[col('timestamp')]!;
      const origin = byKey.get(`${basename(row[col('path')]!)}|${timestamp}`);
      expect(origin?.expect).toBe('match');
      expect(event).toEqual(stamped(origin!.event, timestamp));
      expect(row[col('line')]).toMatch(/^\d+$/);
      expect(row[col('level')]).toBe('high');
    }
  });

  it('table when forced with --format table: a header and one line per alert, no colour off a TTY', async () => {
    const run = await cli(['hunt', windowsFile, webFile, ...rulesArgs, '--format', 'table']);
    expectExit(run, 0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+LEVEL\s+RULE\s+HOST\s+SOURCE$/);
    const alerts = parseNdjson(ndjson.stdout);
    expect(lines.length).toBe(alerts.length + 1);
    alerts.forEach((alert, i) => {
      const line = lines[i + 1]!;
      expect(line.startsWith(alert.timestamp)).toBe(true);
      expect(line).toContain(alert.rule.title);
      expect(line).toContain(basename(alert.source.path));
    });
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('table says so when there are no alerts', async () => {
    const quiet = join(dir, 'nothing-table.ndjson');
    writeNdjson(
      quiet,
      procdump.filter((c) => c.expect === 'no-match'),
    );
    const run = await cli(['hunt', quiet, ...rulesArgs, '--format', 'table']);
    expectExit(run, 0);
    expect(run.stdout).toBe('No alerts.\n');
  });

  it('--output FILE writes the alerts there and nothing on stdout', async () => {
    const out = join(dir, 'alerts.ndjson');
    const run = await cli(['hunt', windowsFile, webFile, ...rulesArgs, '--output', out]);
    expectExit(run, 0);
    expect(run.stdout).toBe('');
    // Not a TTY either way: the default format is ndjson, the same bytes as on stdout.
    expect(readFileSync(out, 'utf8')).toBe(ndjson.stdout);

    const outJson = join(dir, 'alerts.json');
    const json = await cli([
      'hunt',
      windowsFile,
      webFile,
      ...rulesArgs,
      '--output',
      outJson,
      '--format',
      'json',
    ]);
    expectExit(json, 0);
    expect(JSON.parse(readFileSync(outJson, 'utf8'))).toEqual(parseNdjson(ndjson.stdout));
  });

  it('--output into a folder that does not exist is a usage error (exit 2) naming the file', async () => {
    const out = join(dir, 'no-such-dir', 'alerts.ndjson');
    const run = await cli(['hunt', windowsFile, ...rulesArgs, '--output', out]);
    expectExit(run, 2);
    expect(run.stderr).toContain(out);
  });

  it('--quiet leaves stderr empty when nothing is wrong', async () => {
    const run = await cli(['hunt', windowsFile, webFile, ...rulesArgs, '--quiet']);
    expectExit(run, 0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(ndjson.stdout);
  });
});

describe.concurrent('hunt: levels and statistics', () => {
  it('--min-level high drops the medium alerts and keeps the rest, in order; --stats-json agrees', async () => {
    const dir = folder('levels');
    const windows = join(dir, 'sysmon.ndjson');
    const web = join(dir, 'iis.ndjson');
    writeNdjson(windows, procdump, 0);
    writeNdjson(web, [...proxylogon, ...autodiscover], 100);
    const byKey = indexed(windows, procdump, 0);
    indexed(web, [...proxylogon, ...autodiscover], 100, byKey);
    const args = [
      'hunt',
      dir,
      '--no-builtin',
      ...[PROCDUMP, PROXYLOGON, AUTODISCOVER].flatMap((name) => ['--rules', ruleFile(name)]),
    ];
    const allStats = join(work, 'levels-all.json');
    const all = await cli([...args, '--stats-json', allStats]);
    expectExit(all, 0);
    const allAlerts = parseNdjson(all.stdout);
    const levels = new Set(allAlerts.map((a) => a.rule.level));
    expect(levels).toEqual(new Set(['high', 'medium']));

    const highStats = join(work, 'levels-high.json');
    const high = await cli([...args, '--min-level', 'high', '--stats-json', highStats]);
    expectExit(high, 0);
    const highAlerts = parseNdjson(high.stdout);
    expect(highAlerts).toEqual(allAlerts.filter((a) => a.rule.level === 'high'));
    expect(highAlerts.length).toBeGreaterThan(0);

    // Statistics: integers, and the same numbers as the output and the inputs.
    const stats = readStats(allStats);
    expect(stats.files).toBe(2);
    expect(stats.events).toBe(procdump.length + proxylogon.length + autodiscover.length);
    expect(stats.alerts).toBe(allAlerts.length);
    expect(stats.rules).toEqual({ loaded: 3, failed: 0 });
    expect(stats.skipped).toBe(0);
    const byLevel = stats['alertsByLevel'] as Record<string, number> | undefined;
    if (byLevel !== undefined) {
      expect(byLevel['medium']).toBe(allAlerts.filter((a) => a.rule.level === 'medium').length);
      expect(byLevel['high']).toBe(allAlerts.filter((a) => a.rule.level === 'high').length);
    }
    const highOnly = readStats(highStats);
    expect(highOnly.alerts).toBe(highAlerts.length);
    expect(highOnly.events).toBe(stats.events);

    // Medium alerts were really there to drop: the autodiscover rule fired on its own must_match events.
    const medium = allAlerts.filter((a) => a.rule.level === 'medium');
    expect(medium.length).toBe(autodiscover.filter((c) => c.expect === 'match').length);

    const critical = await cli([...args, '--min-level', 'critical']);
    expectExit(critical, 0);
    expect(critical.stdout).toBe('');
  });
});

describe.concurrent('hunt: threads', () => {
  it('--threads 1 and --threads 2 give byte-identical ndjson over thousands of events in many files', async () => {
    const dir = folder('threads');
    const total = 6000;
    const index = writeManyFiles(dir, allCases, total, 12);
    const stats1 = join(work, 'threads-1.json');
    const stats2 = join(work, 'threads-2.json');
    // The whole built-in pack: many rules, so a reordering or a lost alert would show.
    const [one, two] = await Promise.all([
      cli(['hunt', dir, '--threads', '1', '--format', 'ndjson', '--stats-json', stats1, '--quiet']),
      cli(['hunt', dir, '--threads', '2', '--format', 'ndjson', '--stats-json', stats2, '--quiet']),
    ]);
    expectExit(one, 0);
    expectExit(two, 0);
    expect(one.stdoutBytes.length).toBeGreaterThan(0);
    expect(two.stdoutBytes.equals(one.stdoutBytes)).toBe(true);

    const s1 = readStats(stats1);
    const s2 = readStats(stats2);
    expect(s1.events).toBe(total);
    expect(s1.files).toBe(12);
    expect(s1.skipped).toBe(0);
    expect(s1.rules.loaded).toBe(packCounts().rules);
    expect(s1.rules.failed).toBe(0);
    for (const key of ['files', 'events', 'alerts', 'skipped'] as const) expect(s2[key]).toBe(s1[key]);
    expect(s2.rules).toEqual(s1.rules);

    // Each record alerts for its own rule exactly when that rule must match it (other rules may also fire).
    const alerts = parseNdjson(one.stdout);
    expect(s1.alerts).toBe(alerts.length);
    const fired = new Map<string, Set<string>>();
    for (const alert of alerts) {
      expectAlertShape(alert);
      const key = recordKey(relative(dir, alert.source.path), alert.source.line!);
      expect(index.has(key), `alert for unknown record ${key}`).toBe(true);
      const ids = fired.get(key) ?? new Set<string>();
      expect(ids.has(alert.rule.id), `rule ${alert.rule.id} fired twice on ${key}`).toBe(false);
      ids.add(alert.rule.id);
      fired.set(key, ids);
    }
    const wrong: string[] = [];
    for (const [key, c] of index) {
      const own = fired.get(key)?.has(c.ruleId) ?? false;
      if (own !== (c.expect === 'match'))
        wrong.push(`${key} ${basename(c.ruleFile)} "${c.name}" expected ${c.expect}`);
    }
    expect(wrong).toEqual([]);
    // Output order is input order: files in name order, lines ascending within a file.
    const order = alerts.map((a) => [relative(dir, a.source.path), a.source.line!] as const);
    const sorted = [...order].sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1));
    expect(order).toEqual(sorted);
  });
});

describe.concurrent('hunt: a mixed folder with bad files and records', () => {
  it('reads every good record, counts each bad one in `skipped`, names file and line of each on stderr', async () => {
    const dir = folder('mixed');
    const byKey = new Map<string, RuleCase>();
    const ndjsonFile = join(dir, 'a-sysmon.ndjson');
    const text = writeNdjson(ndjsonFile, procdump, 0);
    indexed(ndjsonFile, procdump, 0, byKey);
    const arrayFile = join(dir, 'b-iis.json');
    writeJsonArray(arrayFile, proxylogon, 100);
    indexed(arrayFile, proxylogon, 100, byKey);
    const concatFile = join(dir, 'c-sysmon-pretty.json');
    writeConcatenated(concatFile, procdump, 200);
    indexed(concatFile, procdump, 200, byKey);
    const gzFile = join(dir, 'd-sysmon.ndjson.gz');
    writeGzip(gzFile, text);
    indexed(gzFile, procdump, 0, byKey);
    const emptyFile = join(dir, 'e-empty.ndjson');
    writeFileSync(emptyFile, '');
    const garbageFile = join(dir, 'f-garbage.bin');
    writeFileSync(garbageFile, garbage(8192));

    // Good records around bad ones; the line numbers of the bad ones are what stderr must name.
    const badFile = join(dir, 'g-damaged.ndjson');
    const good = procdump.filter((c) => c.expect === 'match');
    const lines: string[] = [];
    const badLines: number[] = [];
    const goodCases: RuleCase[] = [];
    const addGood = (c: RuleCase): void => {
      const at = 300 + goodCases.length;
      goodCases.push(c);
      byKey.set(`${basename(badFile)}|${timeFor(at)}`, c);
      lines.push(JSON.stringify(stamped(c.event, timeFor(at))));
    };
    const addBad = (line: string): void => {
      lines.push(line);
      badLines.push(lines.length);
    };
    addGood(good[0]!);
    addBad('{"Event": {"System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational"');
    addGood(good[1]!);
    addBad('this is not JSON, it is a stray log line');
    addBad(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
    addGood(good[2]!);
    addBad('[1, 2, 3]');
    addGood(good[0]!);
    writeFileSync(badFile, `${lines.join('\n')}\n`);

    const statsFile = join(work, 'mixed-stats.json');
    const run = await cli([
      'hunt',
      dir,
      '--no-builtin',
      '--rules',
      ruleFile(PROCDUMP),
      '--rules',
      ruleFile(PROXYLOGON),
      '--max-record-bytes',
      '1000000',
      '--stats-json',
      statsFile,
    ]);
    expectExit(run, 0);
    expectExactlyTheMatches(parseNdjson(run.stdout), byKey);

    const stats = readStats(statsFile);
    expect(stats.files).toBe(7);
    expect(stats.events).toBe(procdump.length * 3 + proxylogon.length + goodCases.length);
    expect(stats.skipped).toBe(badLines.length);
    expect(stats.alerts).toBe([...byKey.values()].filter((c) => c.expect === 'match').length);

    for (const line of badLines) expect(run.stderr).toContain(`${badFile}:${line}`);
    expect(run.stderr).toContain('record-too-large');
    expect(run.stderr).toContain(garbageFile);
    // The huge record is named, not echoed.
    expect(run.stderr.length).toBeLessThan(20_000);
    // Nothing about the good files.
    for (const file of [ndjsonFile, arrayFile, concatFile, gzFile])
      expect(run.stderr).not.toContain(`${file}:`);
  });

  it('a folder of nothing readable exits 1', async () => {
    const dir = folder('unreadable-only');
    writeFileSync(join(dir, 'garbage.bin'), garbage(4096, 7));
    const run = await cli(['hunt', dir, '--no-builtin', '--rules', ruleFile(PROCDUMP)]);
    expectExit(run, 1);
    expect(run.stderr).toContain(join(dir, 'garbage.bin'));
  });
});

describe.concurrent('hunt: placeholders', () => {
  it('--placeholders fills %name% for the expand modifier; without it the rule cannot load (exit 1)', async () => {
    const dir = folder('placeholders');
    const rule = join(dir, 'admin-logon.yml');
    writeFileSync(
      rule,
      `title: Logon By A Listed Administrator Account
id: 5d1f6a3e-8f0b-4c55-9e1a-2b3c4d5e6f70
status: test
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4624
        TargetUserName|expand: '%Administrators%'
    condition: selection
level: medium
`,
    );
    const values = join(dir, 'placeholders.yml');
    writeFileSync(values, "Administrators: ['adm_*', 'Administrator']\n");
    const logon = (user: string, n: number): Record<string, unknown> => ({
      Event: {
        System: {
          Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing' } },
          EventID: 4624,
          Channel: 'Security',
          Computer: 'EC-DC01.elections.local',
          TimeCreated: { '#attributes': { SystemTime: timeFor(n) } },
        },
        EventData: { TargetUserName: user, TargetDomainName: 'ELECTIONS', LogonType: 3 },
      },
    });
    const events = join(dir, 'security.ndjson');
    const users = ['adm_jsmith', 'jsmith', 'Administrator', 'administrator', 'svc_backup', 'xadm_jsmith'];
    writeFileSync(events, users.map((u, i) => `${JSON.stringify(logon(u, i))}\n`).join(''));

    const run = await cli(['hunt', events, '--no-builtin', '--rules', rule, '--placeholders', values]);
    expectExit(run, 0);
    const alerts = parseNdjson(run.stdout);
    // Sigma string matching is case-insensitive; 'xadm_jsmith' does not start with adm_.
    expect(
      alerts.map(
        (a) => (a.event['Event'] as { EventData: { TargetUserName: string } }).EventData.TargetUserName,
      ),
    ).toEqual(['adm_jsmith', 'Administrator', 'administrator']);
    for (const alert of alerts) expect(alert.rule.id).toBe('5d1f6a3e-8f0b-4c55-9e1a-2b3c4d5e6f70');

    const without = await cli(['hunt', events, '--no-builtin', '--rules', rule]);
    expectExit(without, 1);
    expect(without.stderr).toContain('Administrators');
    expect(without.stdout).toBe('');
  });
});

describe.concurrent('rules check', () => {
  it('lists the broken rules (bad YAML, unknown modifier) with path/id/code/message and exits 1', async () => {
    const dir = folder('check');
    copyFileSync(ruleFile(PROCDUMP), join(dir, 'good.yml'));
    writeFileSync(
      join(dir, 'bad-yaml.yml'),
      'title: Broken YAML\nid: 1d5c2f10-0000-4000-8000-000000000001\ndetection: [unclosed\n',
    );
    writeFileSync(
      join(dir, 'bad-modifier.yml'),
      readFileSync(ruleFile(PROCDUMP), 'utf8')
        .replace(/^id: .*$/m, 'id: 1d5c2f10-0000-4000-8000-000000000002')
        .replace('CommandLine|contains|windash:', 'CommandLine|contains|frobnicate:'),
    );
    const run = await cli(['rules', 'check', dir, '--format', 'json']);
    expectExit(run, 1);
    const report = JSON.parse(run.stdout) as {
      files: number;
      rules: number;
      loaded: number;
      failed: { path: string; id: string; code: string; message: string }[];
    };
    expect(report.files).toBe(3);
    expect(report.rules).toBe(3);
    expect(report.loaded).toBe(1);
    for (const failure of report.failed) {
      for (const key of ['path', 'id', 'code', 'message'] as const)
        expect(typeof failure[key]).toBe('string');
      expect(failure.message.length).toBeGreaterThan(0);
    }
    const modifier = report.failed.filter((f) => f.path.endsWith('bad-modifier.yml'));
    expect(modifier).toHaveLength(1);
    expect(modifier[0]).toMatchObject({
      id: '1d5c2f10-0000-4000-8000-000000000002',
      code: 'unknown-modifier',
    });
    expect(modifier[0]!.message).toContain('frobnicate');
    const yaml = report.failed.filter((f) => f.path.endsWith('bad-yaml.yml'));
    expect(yaml.length).toBeGreaterThanOrEqual(1);
    expect(yaml.every((f) => f.code === 'yaml-error')).toBe(true);
    expect(new Set(report.failed.map((f) => basename(f.path)))).toEqual(
      new Set(['bad-yaml.yml', 'bad-modifier.yml']),
    );

    const table = await cli(['rules', 'check', dir]);
    expectExit(table, 1);
    expect(table.stdout).toContain('bad-modifier.yml');
    expect(table.stdout).toContain('unknown-modifier');
    expect(table.stdout).toContain('bad-yaml.yml');
  });

  it('exits 0 on the built-in pack', async () => {
    const run = await cli(['rules', 'check', builtinRules, '--format', 'json']);
    expectExit(run, 0);
    const pack = packCounts();
    expect(JSON.parse(run.stdout)).toEqual({
      files: pack.files,
      rules: pack.rules,
      loaded: pack.rules,
      failed: [],
    });
  });

  it('a nonexistent rules path is a failed load (exit 1) listed with code not-found', async () => {
    const missing = join(work, 'no-such-rules');
    const run = await cli(['rules', 'check', missing, '--format', 'json']);
    expectExit(run, 1);
    const report = JSON.parse(run.stdout) as { loaded: number; failed: { path: string; code: string }[] };
    expect(report.loaded).toBe(0);
    expect(report.failed).toEqual([expect.objectContaining({ path: missing, code: 'not-found' })]);
  });

  it("SigmaHQ's placeholder rules load only with --placeholders (shared corpus)", async (context) => {
    const corpus = sharedPath('corpora/sigma/rules-placeholder');
    if (!corpus.available) {
      context.skip();
      return;
    }
    const without = await cli(['rules', 'check', corpus.path, '--format', 'json']);
    expectExit(without, 1);
    const failing = JSON.parse(without.stdout) as {
      rules: number;
      loaded: number;
      failed: { code: string }[];
    };
    expect(failing.rules).toBeGreaterThan(0);
    expect(failing.failed.length).toBeGreaterThan(0);
    expect(failing.failed.every((f) => f.code === 'missing-placeholder')).toBe(true);

    const withValues = await cli([
      'rules',
      'check',
      corpus.path,
      '--format',
      'json',
      '--placeholders',
      join(projectRoot, 'examples', 'placeholders.yml'),
    ]);
    expectExit(withValues, 0);
    const passing = JSON.parse(withValues.stdout) as { rules: number; loaded: number; failed: unknown[] };
    expect(passing.failed).toEqual([]);
    expect(passing.loaded).toBe(passing.rules);
    expect(passing.rules).toBe(failing.rules);
  });
});

describe.concurrent('rules test', () => {
  it('passes on the built-in pack (exit 0)', async () => {
    const run = await cli(['rules', 'test', '--format', 'json']);
    expectExit(run, 0);
    const report = JSON.parse(run.stdout) as { files: number; tests: number; passed: number; failed: number };
    const pack = packCounts();
    const tests = allCases.length + pack.sequences;
    expect(report.files).toBe(pack.testFiles);
    expect(report.tests).toBe(tests);
    expect(report.passed).toBe(tests);
    expect(report.failed).toBe(0);

    const table = await cli(['rules', 'test']);
    expectExit(table, 0);
    expect(table.stdout).toContain(`${tests}/${tests}`);
  });

  it('fails (exit 1) on a rule whose tests are wrong, naming each failing test', async () => {
    const dir = folder('failing-tests');
    const rule = join(dir, 'lsass-dump.yml');
    copyFileSync(ruleFile(PROCDUMP), rule);
    const matching = procdump.find((c) => c.expect === 'match')!;
    const harmless = procdump.find((c) => c.expect === 'no-match')!;
    // Swapped verdicts: both must fail, for opposite reasons.
    writeFileSync(
      join(dir, 'lsass-dump.tests.yaml'),
      `must_match:\n  - name: harmless event said to match\n    event: ${JSON.stringify(harmless.event)}\n` +
        `must_not_match:\n  - name: dump event said not to match\n    event: ${JSON.stringify(matching.event)}\n`,
    );
    const run = await cli(['rules', 'test', dir, '--format', 'json']);
    expectExit(run, 1);
    const report = JSON.parse(run.stdout) as {
      tests: number;
      passed: number;
      failed: number;
      results: { name: string; expect: string; passed: boolean; detail?: string }[];
    };
    expect(report).toMatchObject({ tests: 2, passed: 0, failed: 2 });
    expect(report.results.map((r) => [r.name, r.expect, r.passed])).toEqual([
      ['harmless event said to match', 'match', false],
      ['dump event said not to match', 'no-match', false],
    ]);

    const table = await cli(['rules', 'test', rule]);
    expectExit(table, 1);
    expect(table.stdout).toContain('harmless event said to match');
    expect(table.stdout).toContain('dump event said not to match');
  });
});
