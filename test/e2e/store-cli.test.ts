/**
 * End-to-end tests of the store through the built CLI: `hunt --db` killed with SIGKILL halfway and run
 * again ends with exactly the alerts of a clean run (no alert lost, no occurrence counted twice), Ctrl-C
 * finishes cleanly, damaged databases fail clearly, and `alerts list|show` read it all back in every
 * format. Inputs are generated from the built-in LSASS/procdump rule's own test event, so every record
 * alerts exactly once.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/shared.js';
import { casesOf, ruleCases, stamped } from './fixtures.js';

const PROCDUMP = 'proc_creation_win_lsass_dump_procdump.yml';
const FILES = 3;
const PER_FILE = 20_000;
const HOSTS = 13;
const HANG_MS = 120_000;

let work: string;
let logs: string;
let env: NodeJS.ProcessEnv;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [join(projectRoot, 'bin', 'ballotguard.js'), ...args], {
    cwd: work,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: `${Buffer.concat(err).toString('utf8')}${code === null ? `\n[test] ended by a signal (args: ${args.join(' ')})` : ''}`,
      });
    });
  });
}

const cli = (args: readonly string[]): Promise<Run> => finished(start(args), args);

function expectExit(run: Run, code: number): void {
  if (run.code !== code)
    throw new Error(
      `exit code ${String(run.code)}, expected ${code}\n--- stderr ---\n${run.stderr.slice(0, 4000)}\n--- stdout ---\n${run.stdout.slice(0, 1000)}`,
    );
}

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

/** `npm test` builds first; a bare vitest run builds here, so a stale dist/ is never what is tested. */
function ensureBuilt(): void {
  const entry = join(projectRoot, 'dist', 'src', 'cli', 'main.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestSource(join(projectRoot, 'src'))) return;
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  if (!existsSync(entry)) throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
}

/** Rule id, fingerprint and count of every stored alert, plus the total of occurrences. */
function snapshot(file: string): { alerts: string[]; occurrences: number } {
  const db = new Database(file, { readonly: true });
  try {
    const alerts = (
      db
        .prepare(
          'SELECT fingerprint, rule_id, count, first_seen, last_seen, host FROM alerts ORDER BY fingerprint',
        )
        .all() as Record<string, unknown>[]
    ).map((row) => JSON.stringify(row));
    const occurrences = (db.prepare('SELECT count(*) AS n FROM alert_occurrences').get() as { n: number }).n;
    return { alerts, occurrences };
  } finally {
    db.close();
  }
}

/** Occurrences committed so far, read as another process would (WAL readers never block the writer). */
function storedSoFar(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, timeout: 50 });
    try {
      return (db.prepare('SELECT count(*) AS n FROM alert_occurrences').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created or not migrated yet
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const huntArgs = (db: string): string[] => [
  'hunt',
  logs,
  '--db',
  db,
  '--no-builtin',
  '--rules',
  casesOf(ruleCases(), PROCDUMP)[0]!.ruleFile,
  '--threads',
  '1',
  '--format',
  'ndjson',
  '--output',
  '/dev/null',
  '--no-cache',
];

let clean: { alerts: string[]; occurrences: number };

beforeAll(async () => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'ballotguard-store-e2e-'));
  logs = join(work, 'logs');
  mkdirSync(logs);
  env = { ...process.env, NO_COLOR: '1', BALLOTGUARD_CONFIG: join(work, 'no-config.yaml') };
  writeFileSync(join(work, 'no-config.yaml'), '{}\n');
  const event = casesOf(ruleCases(), PROCDUMP).find((c) => c.expect === 'match')!.event;
  for (let f = 0; f < FILES; f++) {
    const lines: string[] = [];
    for (let i = 0; i < PER_FILE; i++) {
      const n = f * PER_FILE + i;
      const copy = stamped(event, new Date(Date.UTC(2026, 10, 3, 6) + n * 7_000).toISOString());
      ((copy['Event'] as Record<string, unknown>)['System'] as Record<string, unknown>)['Computer'] =
        `WS${n % HOSTS}.elections.local`;
      lines.push(JSON.stringify(copy));
    }
    writeFileSync(join(logs, `sysmon-${f}.ndjson`), `${lines.join('\n')}\n`);
  }
  const run = await cli(huntArgs(join(work, 'clean.db')));
  expectExit(run, 0);
  clean = snapshot(join(work, 'clean.db'));
}, 240_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('hunt --db', () => {
  it('stores every match once: one occurrence per record, alerts per host and hour', () => {
    expect(clean.occurrences).toBe(FILES * PER_FILE);
    // 7 s apart over 13 hosts: every host has events in every hour of the run.
    const hours = Math.ceil((FILES * PER_FILE * 7) / 3600);
    expect(clean.alerts.length).toBeGreaterThanOrEqual((hours - 1) * HOSTS);
    expect(clean.alerts.length).toBeLessThanOrEqual(hours * HOSTS);
    const total = clean.alerts.reduce((sum, row) => sum + (JSON.parse(row) as { count: number }).count, 0);
    expect(total).toBe(FILES * PER_FILE);
  });

  it('killed with SIGKILL halfway and run again: the same alerts and counts as a clean run', async () => {
    const db = join(work, 'killed.db');
    const args = huntArgs(db);
    const child = start(args);
    const running = finished(child, args);
    await waitFor(() => storedSoFar(db) >= 1000, 'the first batches to be stored');
    child.kill('SIGKILL');
    const killed = await running;
    expect(killed.code).toBeNull();
    const partial = snapshot(db).occurrences;
    expect(partial, 'the hunt finished before it could be killed: make the input larger').toBeLessThan(
      clean.occurrences,
    );

    const rerun = await cli(args);
    expectExit(rerun, 0);
    expect(rerun.stderr).toMatch(/1 earlier hunt\(s\) .* had died; marked interrupted/);
    expect(rerun.stderr).toContain(`${partial.toLocaleString('en-US')} already stored and not counted again`);
    expect(snapshot(db)).toEqual(clean);

    const raw = new Database(db, { readonly: true });
    const hunts = raw.prepare('SELECT id, status, stats FROM hunts ORDER BY id').all() as {
      status: string;
      stats: string;
    }[];
    raw.close();
    expect(hunts.map((h) => h.status)).toEqual(['interrupted', 'completed']);
    expect(JSON.parse(hunts[1]!.stats)).toMatchObject({
      events: FILES * PER_FILE,
      store: { stored: FILES * PER_FILE - partial, duplicates: partial },
    });
  });

  it('Ctrl-C stops, stores what was found and records the hunt as interrupted; a rerun completes it', async () => {
    const db = join(work, 'interrupted.db');
    const args = huntArgs(db);
    const child = start(args);
    const running = finished(child, args);
    await waitFor(() => storedSoFar(db) >= 1000, 'the first batches to be stored');
    child.kill('SIGINT');
    const stopped = await running;
    expectExit(stopped, 1);
    expect(stopped.stderr).toMatch(/stopping: storing the alerts found so far/);
    expect(stopped.stderr).toMatch(/interrupted: run the same command again/);
    const raw = new Database(db, { readonly: true });
    const hunt = raw.prepare('SELECT status, stats FROM hunts').get() as { status: string; stats: string };
    raw.close();
    expect(hunt.status).toBe('interrupted');
    const stats = JSON.parse(hunt.stats) as { events: number; store: { stored: number } };
    expect(stats.store.stored).toBe(snapshot(db).occurrences);
    expect(stats.events).toBeLessThan(FILES * PER_FILE);

    expectExit(await cli(args), 0);
    expect(snapshot(db)).toEqual(clean);
  });

  it('a database file that is not a database fails clearly before hunting, and is left as it was', async () => {
    const db = join(work, 'garbage.db');
    const bytes = Buffer.from('this is a spreadsheet, not a database\n'.repeat(200));
    writeFileSync(db, bytes);
    const run = await cli(huntArgs(db));
    expectExit(run, 1);
    expect(run.stderr).toMatch(/damaged or is not a Ballotguard database.*move the file aside/);
    expect(readFileSync(db).equals(bytes)).toBe(true);
  });

  it('a database in a folder that does not exist fails clearly', async () => {
    const run = await cli(huntArgs(join(work, 'no', 'such', 'x.db')));
    expectExit(run, 1);
    expect(run.stderr).toMatch(/cannot open the database .*folder exists/);
  });
});

describe('alerts list|show', () => {
  const db = (): string => join(work, 'clean.db');

  it('lists newest first in every format, with the count on stderr when more match', async () => {
    const json = await cli(['alerts', 'list', '--db', db(), '--format', 'json', '--limit', '5']);
    expectExit(json, 0);
    const alerts = JSON.parse(json.stdout) as { id: number; lastSeen: string; count: number; host: string }[];
    expect(alerts).toHaveLength(5);
    for (let i = 1; i < alerts.length; i++) expect(alerts[i - 1]!.lastSeen >= alerts[i]!.lastSeen).toBe(true);
    expect(json.stderr).toMatch(new RegExp(`showing the first 5 of ${clean.alerts.length} matching alerts`));

    const ndjson = await cli(['alerts', 'list', '--db', db(), '--format', 'ndjson', '--limit', 'all']);
    expectExit(ndjson, 0);
    const lines = ndjson.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(clean.alerts.length);
    expect(lines.reduce((sum, line) => sum + (JSON.parse(line) as { count: number }).count, 0)).toBe(
      FILES * PER_FILE,
    );

    const csv = await cli(['alerts', 'list', '--db', db(), '--format', 'csv', '--limit', '3']);
    expectExit(csv, 0);
    const rows = csv.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe(
      'id,first_seen,last_seen,count,level,rule_id,rule_title,tags,host,account,source_ip,path,line,record,hunt_id',
    );
    expect(rows).toHaveLength(4);

    const table = await cli([
      'alerts',
      'list',
      '--db',
      db(),
      '--format',
      'table',
      '--host',
      'WS3.elections.local',
      '--limit',
      '2',
    ]);
    expectExit(table, 0);
    expect(table.stdout).toMatch(/^ID\s+LAST SEEN\s+COUNT\s+LEVEL\s+RULE\s+HOST/);
    expect(
      table.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .every((line) => /\sws3\s/.test(line)),
    ).toBe(true);
  });

  it('filters by time, level, rule and technique', async () => {
    const count = async (...filters: string[]): Promise<number> => {
      const run = await cli([
        'alerts',
        'list',
        '--db',
        db(),
        '--format',
        'ndjson',
        '--limit',
        'all',
        ...filters,
      ]);
      expectExit(run, 0);
      return run.stdout === '' ? 0 : run.stdout.trimEnd().split('\n').length;
    };
    expect(await count('--min-level', 'high', '--technique', 'T1003')).toBe(clean.alerts.length);
    expect(await count('--technique', 'T1059')).toBe(0);
    expect(await count('--level', 'low,medium')).toBe(0);
    expect(await count('--rule', 'procdump')).toBe(clean.alerts.length);
    expect(await count('--since', '2026-11-03T07:00:00Z', '--until', '2026-11-03T07:59:59Z')).toBe(HOSTS);
    expect(await count('--since', '2030-01-01')).toBe(0);
  });

  it('shows one alert with its event and occurrences', async () => {
    const first = JSON.parse(
      (await cli(['alerts', 'list', '--db', db(), '--format', 'ndjson', '--limit', '1'])).stdout,
    ) as { id: number; count: number };
    const json = await cli([
      'alerts',
      'show',
      String(first.id),
      '--db',
      db(),
      '--format',
      'json',
      '--occurrences',
      '3',
    ]);
    expectExit(json, 0);
    const detail = JSON.parse(json.stdout) as {
      count: number;
      occurrences: { path: string; line: number }[];
      event: { Event: { EventData: { CommandLine: string } } };
    };
    expect(detail.count).toBe(first.count);
    expect(detail.occurrences).toHaveLength(Math.min(3, first.count));
    expect(detail.occurrences[0]!.path).toBe(join(logs, detail.occurrences[0]!.path.split('/').pop()!));
    expect(detail.event.Event.EventData.CommandLine).toMatch(/procdump/i);
    const table = await cli(['alerts', 'show', String(first.id), '--db', db(), '--format', 'table']);
    expectExit(table, 0);
    expect(table.stdout).toMatch(new RegExp(`^Alert ${first.id}: `));
    expect(table.stdout).toContain('Event (earliest occurrence):');
  });

  it('reads the default database from the config file', async () => {
    const config = join(work, 'with-store.yaml');
    writeFileSync(config, 'store:\n  url: ./clean.db\n');
    const run = await cli(['alerts', 'list', '--config', config, '--format', 'ndjson', '--limit', '1']);
    expectExit(run, 0);
    expect(run.stdout.trim()).not.toBe('');
  });

  it('fails clearly: no database (1), no such alert (1), bad arguments (2)', async () => {
    const missing = await cli(['alerts', 'list', '--db', join(work, 'nothing-here.db')]);
    expectExit(missing, 1);
    expect(missing.stderr).toMatch(/no database at .*ballotguard hunt --db/);
    expect(existsSync(join(work, 'nothing-here.db'))).toBe(false);
    const noAlert = await cli(['alerts', 'show', '999999', '--db', db()]);
    expectExit(noAlert, 1);
    expect(noAlert.stderr).toMatch(/no alert 999999/);
    expectExit(await cli(['alerts', 'show', 'abc', '--db', db()]), 2);
    expectExit(await cli(['alerts', 'list', '--db', db(), '--level', 'severe']), 2);
    expectExit(await cli(['alerts', 'list', '--db', db(), '--since', 'last tuesday']), 2);
    expectExit(await cli(['alerts', 'list', '--db', db(), '--format', 'xml']), 2);
  });
});
