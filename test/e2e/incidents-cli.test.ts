/**
 * `ballotguard incidents list|show|update` end to end: a one-day demo scenario is generated and hunted
 * into a fresh SQLite store with `hunt --db` (which groups the alerts into incidents), then the built CLI
 * lists the incidents with each filter, shows one with its kill chain, members and timeline, and walks it
 * through the workflow — a refused transition must fail with exit 1 and leave the incident as it was.
 * Expected values come from the CLI's own JSON (one view checked against another), never from constants.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE_TACTICS } from '../../src/intel/attack/catalogue.js';
import { sharedPath } from '../helpers/shared.js';
import type { CliRun } from './run-cli.js';
import { ensureBuilt, expectExit, runCli } from './run-cli.js';

interface IncidentJson {
  id: number;
  title: string;
  status: string;
  severity: string;
  assignee: string | null;
  alertCount: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

interface ShowJson extends IncidentJson {
  transitions: string[];
  attack: { loaded: boolean; hint?: string };
  techniques: { id: string; name?: string }[];
  tactics: { shortname: string; name?: string }[];
  killChain: {
    tactic: string;
    name?: string;
    techniques: { id: string; name?: string; alerts: number[] }[];
  }[];
  alerts: {
    id: number;
    host: string | null;
    rule: { id: string; tags: string[] };
    reason: { text: string };
    techniques: { id: string }[];
  }[];
  notes: { author: string; text: string }[];
  timeline: {
    kind: string;
    actor: string | null;
    summary: string;
    alertId?: number;
    detail?: Record<string, unknown>;
  }[];
  omitted: { alerts: number; timelineAlerts: number };
}

let work: string;
let db: string;
let env: NodeJS.ProcessEnv;

const cli = (args: readonly string[]): Promise<CliRun> => runCli(args, { cwd: work, env });

async function json<T>(args: readonly string[]): Promise<T> {
  const run = await cli([...args, '--db', db, '--format', 'json']);
  expectExit(run, 0);
  return JSON.parse(run.stdout) as T;
}

const list = (...args: string[]): Promise<IncidentJson[]> =>
  json<IncidentJson[]>(['incidents', 'list', '--limit', 'all', ...args]);
const show = (id: number, ...args: string[]): Promise<ShowJson> =>
  json<ShowJson>(['incidents', 'show', String(id), '--limit', 'all', ...args]);

/** Every incident in full, to check the list filters against. */
let all: ShowJson[];

beforeAll(async () => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'ballotguard-incidents-e2e-'));
  db = join(work, 'cases.db');
  const config = join(work, 'empty-config.yaml');
  writeFileSync(config, '');
  env = {
    ...process.env,
    BALLOTGUARD_CACHE_DIR: join(work, 'cache'),
    BALLOTGUARD_CONFIG: config,
    // No catalogue until a test imports one: names must then be absent and the hint given.
    BALLOTGUARD_DATA_DIR: join(work, 'data'),
    NO_COLOR: '1',
  };
  expectExit(
    await cli([
      'scenario',
      'generate',
      '--days',
      '1',
      '--users',
      '20',
      '--out',
      join(work, 'scenario'),
      '-q',
    ]),
    0,
  );
  expectExit(
    await cli(['hunt', join(work, 'scenario'), '--db', db, '--output', '/dev/null', '--threads', '1', '-q']),
    0,
  );
  expect((await list()).length, 'hunt --db groups its alerts into incidents').toBeGreaterThan(0);
  // One at a time: the machine is shared.
  all = [];
  for (const incident of await list()) all.push(await show(incident.id));
}, 600_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** The incident with the most alerts: the one an analyst would open first. */
const biggest = (): ShowJson => [...all].sort((a, b) => b.alertCount - a.alertCount || a.id - b.id)[0]!;
const ids = (incidents: readonly { id: number }[]): number[] =>
  incidents.map((i) => i.id).sort((a, b) => a - b);

describe('incidents list', () => {
  it('lists every incident, most recent activity first, in each format', async () => {
    const incidents = await list();
    expect(incidents.length).toBeGreaterThan(1);
    for (const incident of incidents) {
      // Closed only when grouping merged it into another.
      expect(['new', 'closed']).toContain(incident.status);
      expect(incident.alertCount).toBeGreaterThan(0);
    }
    for (let i = 1; i < incidents.length; i++)
      expect(Date.parse(incidents[i - 1]!.lastSeen!)).toBeGreaterThanOrEqual(
        Date.parse(incidents[i]!.lastSeen!),
      );
    // Each alert is in one open incident (a merged-away incident, closed, keeps a copy of its alerts).
    const open = all.filter((incident) => incident.status !== 'closed');
    const members = open.flatMap((incident) => incident.alerts.map((alert) => alert.id));
    expect(new Set(members).size).toBe(members.length);
    expect(members.length).toBe(open.reduce((sum, incident) => sum + incident.alertCount, 0));

    const ndjson = await cli(['incidents', 'list', '--db', db, '--limit', 'all', '--format', 'ndjson']);
    expectExit(ndjson, 0);
    expect(
      ndjson.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as IncidentJson).id),
    ).toEqual(incidents.map((i) => i.id));
    const csv = await cli(['incidents', 'list', '--db', db, '--limit', 'all', '--format', 'csv']);
    expectExit(csv, 0);
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe(
      'id,title,status,severity,assignee,alert_count,first_seen,last_seen,created_at,updated_at,group_key',
    );
    expect(rows.slice(1).map((row) => Number(row.split(',')[0]))).toEqual(incidents.map((i) => i.id));
    const table = await cli(['incidents', 'list', '--db', db, '--format', 'table']);
    expectExit(table, 0);
    expect(table.stdout).toMatch(/^ID +STATUS +SEVERITY +ALERTS +LAST SEEN +ASSIGNEE +TITLE\n/);
    expect(table.stdout).toContain(biggest().title);
  });

  it('pages with --limit and --offset and says what was left out', async () => {
    const incidents = await list();
    const first = await cli(['incidents', 'list', '--db', db, '--limit', '1', '--format', 'json']);
    expectExit(first, 0);
    expect((JSON.parse(first.stdout) as IncidentJson[]).map((i) => i.id)).toEqual([incidents[0]!.id]);
    expect(first.stderr).toContain(`showing 1 of ${incidents.length} matching incidents`);
    const second = await json<IncidentJson[]>(['incidents', 'list', '--limit', '2', '--offset', '1']);
    expect(second.map((i) => i.id)).toEqual(incidents.slice(1, 3).map((i) => i.id));
  });

  it('finds incidents by the hosts, rules and techniques of their alerts', async () => {
    const host = biggest().alerts.find((alert) => alert.host !== null)!.host!;
    const withHost = all.filter((incident) => incident.alerts.some((alert) => alert.host === host));
    // Any case, with a domain: hosts are normalised as stored ones are.
    expect(ids(await list('--host', `${host.toUpperCase()}.elections.local`))).toEqual(ids(withHost));

    const rule = biggest().alerts[0]!.rule.id;
    const withRule = all.filter((incident) => incident.alerts.some((alert) => alert.rule.id === rule));
    expect(ids(await list('--rule', rule))).toEqual(ids(withRule));

    const technique = biggest().techniques[0]!.id;
    const parent = technique.split('.')[0]!;
    const withTechnique = all.filter((incident) =>
      incident.alerts.some((alert) =>
        alert.techniques.some((t) => t.id === parent || t.id.startsWith(`${parent}.`)),
      ),
    );
    expect(withTechnique.length).toBeGreaterThan(0);
    expect(ids(await list('--technique', parent))).toEqual(ids(withTechnique));
    expect(await list('--technique', 'T0001')).toEqual([]);
  });

  it('filters by severity and time, and refuses bad filters with exit 2', async () => {
    const severity = biggest().severity;
    expect(ids(await list('--severity', severity))).toEqual(ids(all.filter((i) => i.severity === severity)));
    const latest = Math.max(...all.map((i) => Date.parse(i.lastSeen!)));
    const since = new Date(latest).toISOString();
    expect(ids(await list('--since', since))).toEqual(
      ids(all.filter((i) => Date.parse(i.lastSeen!) >= latest)),
    );
    for (const bad of [
      ['--status', 'done'],
      ['--severity', 'severe'],
      ['--technique', 'lateral movement'],
      ['--since', 'yesterday'],
      ['--limit', '0'],
      ['--offset', 'x'],
    ]) {
      const run = await cli(['incidents', 'list', '--db', db, ...bad]);
      expectExit(run, 2);
      expect(run.stderr).toContain(bad[0]);
    }
  });
});

describe('incidents show', () => {
  it('shows the header, the kill chain in matrix order, members with reasons, and the timeline', async () => {
    const incident = biggest();
    expect(incident.transitions).toEqual(['triaging', 'contained', 'closed', 'false_positive']);
    expect(incident.alerts.length).toBe(incident.alertCount);
    expect(incident.omitted).toEqual({ alerts: 0, timelineAlerts: 0 });
    for (const alert of incident.alerts) expect(alert.reason.text.length).toBeGreaterThan(10);
    const order = incident.killChain.map((stage) =>
      ENTERPRISE_TACTICS.findIndex((tactic) => tactic.shortname === stage.tactic),
    );
    expect(order.length).toBeGreaterThan(0);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const placed = new Set(incident.killChain.flatMap((stage) => stage.techniques.map((t) => t.id)));
    for (const technique of placed) expect(incident.techniques.map((t) => t.id)).toContain(technique);
    // No catalogue imported: IDs only, and the hint.
    expect(incident.attack.loaded).toBe(false);
    expect(incident.techniques.every((t) => t.name === undefined)).toBe(true);
    const alertEntries = incident.timeline.filter((entry) => entry.kind === 'alert');
    expect(alertEntries.map((entry) => entry.alertId).sort((a, b) => a! - b!)).toEqual(ids(incident.alerts));
    expect(incident.timeline.filter((entry) => entry.kind === 'created').length).toBe(1);

    const table = await cli(['incidents', 'show', String(incident.id), '--db', db, '--format', 'table']);
    expectExit(table, 0);
    expect(table.stdout).toContain(`Incident ${incident.id}: ${incident.title}`);
    for (const section of ['Kill chain', 'Alerts (', 'Notes (0)', 'Timeline', 'why: '])
      expect(table.stdout).toContain(section);
    expect(table.stderr).toContain('ballotguard attack import');
  });

  it('caps the alerts listed with --limit but keeps every change in the timeline', async () => {
    const incident = biggest();
    const capped = await json<ShowJson>(['incidents', 'show', String(incident.id), '--limit', '1']);
    expect(capped.alerts.length).toBe(1);
    expect(capped.omitted.alerts).toBe(incident.alertCount - 1);
    expect(capped.timeline.filter((entry) => entry.kind === 'alert').length).toBe(1);
    expect(capped.timeline.filter((entry) => entry.kind !== 'alert').length).toBe(
      incident.timeline.filter((entry) => entry.kind !== 'alert').length,
    );
    // The kill chain is still that of every alert.
    expect(capped.killChain).toEqual(incident.killChain);
  });

  const attackBundle = sharedPath('corpora/attack/enterprise-attack.json');
  it.skipIf(!attackBundle.available)(
    'names techniques and tactics once a catalogue is imported',
    async () => {
      expectExit(await cli(['attack', 'import', attackBundle.path, '--format', 'json']), 0);
      const named = await show(biggest().id);
      expect(named.attack.loaded).toBe(true);
      expect(named.techniques.every((t) => typeof t.name === 'string' && t.name !== '')).toBe(true);
      expect(named.killChain.every((stage) => typeof stage.name === 'string')).toBe(true);
      const table = await cli(['incidents', 'show', String(named.id), '--db', db, '--format', 'table']);
      expectExit(table, 0);
      expect(table.stdout).toContain(named.killChain[0]!.name!);
      expect(table.stderr).not.toContain('ballotguard attack import');
    },
  );

  it('fails with exit 1 for an unknown incident and 2 for a bad id or format', async () => {
    const unknown = await cli(['incidents', 'show', '999999', '--db', db]);
    expectExit(unknown, 1);
    expect(unknown.stderr).toContain('no incident 999999');
    expectExit(await cli(['incidents', 'show', 'seven', '--db', db]), 2);
    expectExit(await cli(['incidents', 'show', '1', '--db', db, '--format', 'csv']), 2);
    expectExit(await cli(['incidents', 'list', '--db', join(work, 'missing.db')]), 1);
  });
});

describe('incidents update', () => {
  it('changes status, assignee and notes, and the timeline records who did what', async () => {
    const id = biggest().id;
    const run = await cli([
      'incidents',
      'update',
      String(id),
      '--db',
      db,
      '--status',
      'triaging',
      '--assignee',
      'dana',
      '--note',
      'Isolated EXCH01 from the network.',
      '--actor',
      'dana',
      '--format',
      'json',
    ]);
    expectExit(run, 0);
    const result = JSON.parse(run.stdout) as {
      incident: IncidentJson;
      changes: { kind: string }[];
      transitions: string[];
    };
    expect(result.incident).toMatchObject({ id, status: 'triaging', assignee: 'dana' });
    expect(result.changes.map((change) => change.kind)).toEqual(['status', 'assignee', 'note']);
    expect(result.transitions).toEqual(['contained', 'closed', 'false_positive']);

    const after = await show(id);
    expect(after).toMatchObject({ status: 'triaging', assignee: 'dana' });
    expect(after.notes).toEqual([
      expect.objectContaining({ author: 'dana', text: 'Isolated EXCH01 from the network.' }),
    ]);
    const status = after.timeline.filter((entry) => entry.kind === 'status');
    expect(status).toEqual([
      expect.objectContaining({ actor: 'dana', detail: { from: 'new', to: 'triaging' } }),
    ]);
    expect(after.timeline.filter((entry) => entry.kind === 'assignee')).toEqual([
      expect.objectContaining({ actor: 'dana', detail: { from: null, to: 'dana' } }),
    ]);
    expect(after.timeline.filter((entry) => entry.kind === 'note')).toEqual([
      expect.objectContaining({ actor: 'dana', summary: 'Isolated EXCH01 from the network.' }),
    ]);
    expect(ids(await list('--assignee', 'dana'))).toEqual([id]);
    expect(ids(await list('--status', 'triaging'))).toEqual([id]);
    expect(ids(await list('--status', 'open'))).toEqual(ids(all.filter((i) => i.status !== 'closed')));

    const table = await cli(['incidents', 'show', String(id), '--db', db, '--format', 'table']);
    expect(table.stdout).toMatch(/status +dana: status: new → triaging/);
    expect(table.stdout).toMatch(/note +note by dana: Isolated EXCH01 from the network\./);
  });

  it('refuses an illegal transition with exit 1 and changes nothing', async () => {
    const id = biggest().id;
    const before = await show(id);
    for (const [args, message] of [
      [['--status', 'new'], 'cannot go from triaging to new'],
      [['--status', 'triaging', '--note', 'again'], 'already triaging'],
      [['--status', 'false_positive'], 'needs a note'],
      [['--assignee', 'dana'], 'already assigned to dana'],
    ] as const) {
      const run = await cli(['incidents', 'update', String(id), '--db', db, ...args]);
      expectExit(run, 1);
      expect(run.stderr).toContain(message);
      expect(run.stderr).toContain('nothing was changed');
    }
    expect(await show(id)).toEqual(before);
  });

  it('follows the workflow to the end and back: contain, close, reopen, unassign', async () => {
    const id = biggest().id;
    const step = async (...args: string[]): Promise<IncidentJson> => {
      const run = await cli(['incidents', 'update', String(id), '--db', db, '--format', 'json', ...args]);
      expectExit(run, 0);
      return (JSON.parse(run.stdout) as { incident: IncidentJson }).incident;
    };
    expect((await step('--status', 'contained')).status).toBe('contained');
    expect(
      (await step('--status', 'closed', '--title', 'Exchange compromise, register exfiltrated')).title,
    ).toBe('Exchange compromise, register exfiltrated');
    expect(await step('--status', 'triaging', '--unassign', '--severity', 'critical')).toMatchObject({
      status: 'triaging',
      assignee: null,
      severity: 'critical',
    });
    const after = await show(id);
    expect(
      after.timeline.filter((entry) => entry.kind === 'status').map((entry) => entry.detail?.['to']),
    ).toEqual(['triaging', 'contained', 'closed', 'triaging']);
  });

  it('fails with exit 1 for an unknown incident and 2 for usage errors', async () => {
    const unknown = await cli(['incidents', 'update', '999999', '--db', db, '--status', 'closed']);
    expectExit(unknown, 1);
    expect(unknown.stderr).toContain('no incident 999999');
    for (const args of [
      [],
      ['--status', 'finished'],
      ['--assignee', 'dana', '--unassign'],
      ['--note', '  '],
      ['--severity', 'severe'],
    ]) {
      const run = await cli(['incidents', 'update', String(biggest().id), '--db', db, ...args]);
      expectExit(run, 2);
    }
  });
});

describe('help', () => {
  it.each(['incidents', 'incidents list', 'incidents show', 'incidents update'])(
    '%s --help gives examples',
    async (command) => {
      const run = await cli([...command.split(' '), '--help']);
      expectExit(run, 0);
      expect(run.stdout).toContain('Examples:');
      expect(run.stdout).toContain('$ ballotguard incidents');
    },
  );
});
