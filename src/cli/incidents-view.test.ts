/**
 * The `incidents show` view over a real SQLite store: the alert cap keeps every change and the whole kill
 * chain, and text from logs (rule titles, reasons, notes) cannot drive the analyst's terminal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttackIndex } from '../intel/attack/catalogue.js';
import { openStore } from '../store/open-store.js';
import { makeAlert } from '../store/store.contract.js';
import type { IncidentDetail, Store, TimelineEntry } from '../store/store.js';
import { describeChanges, incidentView, printable, renderIncident } from './incidents-view.js';

let dir: string;
let store: Store;
let incident: IncidentDetail;
let timeline: TimelineEntry[];
const noCatalogue = new AttackIndex(undefined);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ballotguard-incidents-view-'));
  store = await openStore(join(dir, 'view.db'));
  await store.writeAlerts(null, [
    makeAlert({
      rule: 'r-web',
      title: 'Web shell \u001b[2J\u001b[31mwritten',
      tags: ['attack.persistence', 'attack.t1505.003'],
      host: 'exch01',
      time: '2021-08-09T03:20:00Z',
      line: 1,
    }),
    makeAlert({
      rule: 'r-lsass',
      title: 'LSASS dumped',
      tags: ['attack.credential_access', 'attack.t1003.001'],
      host: 'exch01',
      time: '2021-08-09T03:45:00Z',
      line: 2,
    }),
    makeAlert({
      rule: 'r-exploit',
      title: 'ProxyLogon SSRF',
      tags: ['attack.initial_access', 'attack.t1190'],
      host: 'exch01',
      time: '2021-08-09T03:14:00Z',
      line: 3,
    }),
  ]);
  const alerts = await store.listAlerts();
  const created = await store.createIncident({ title: 'Exchange compromise', severity: 'high' }, 'grouper');
  await store.addAlertsToIncident(
    created.id,
    alerts.map((alert) => ({ alertId: alert.id, reason: { text: `same host exch01 (alert ${alert.id})` } })),
    'grouper',
  );
  await store.updateIncident(created.id, { status: 'triaging', assignee: 'dana' }, 'dana');
  await store.addIncidentNote(created.id, 'dana', 'Isolated EXCH01.\n\u001b]0;owned\u0007Second line');
  incident = (await store.getIncident(created.id))!;
  timeline = await store.incidentTimeline(created.id);
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('incidentView', () => {
  it('orders the kill chain by the matrix and marks what each alert showed first', () => {
    const view = incidentView(incident, timeline, noCatalogue, 100);
    expect(view.killChain.map((stage) => stage.tactic)).toEqual([
      'initial-access',
      'persistence',
      'credential-access',
    ]);
    expect(view.techniques.map((t) => t.id)).toEqual(['T1003.001', 'T1190', 'T1505.003']);
    expect(view.transitions).toEqual(['contained', 'closed', 'false_positive']);
    const alerts = view.timeline.filter((entry) => entry.kind === 'alert');
    expect(alerts.map((entry) => entry.firstInIncident?.tactics)).toEqual([
      ['initial-access'],
      ['persistence'],
      ['credential-access'],
    ]);
    expect(view.counts).toEqual({ alertsRead: 3, rules: 3, hosts: 1, accounts: 0, sourceIps: 0 });
  });

  it('caps the alerts listed, never the changes, notes or kill chain', () => {
    const full = incidentView(incident, timeline, noCatalogue, 100);
    const capped = incidentView(incident, timeline, noCatalogue, 1);
    expect(capped.alerts.map((alert) => alert.rule.id)).toEqual(['r-exploit']);
    expect(capped.omitted).toEqual({ alerts: 2, timelineAlerts: 2 });
    expect(capped.timeline.filter((entry) => entry.kind !== 'alert')).toEqual(
      full.timeline.filter((entry) => entry.kind !== 'alert'),
    );
    expect(capped.killChain).toEqual(full.killChain);
  });
});

describe('renderIncident', () => {
  it('prints no control character that came from the data', () => {
    const text = renderIncident(incidentView(incident, timeline, noCatalogue, 100), false);
    // Newlines separate lines; nothing else below 0x20 may reach the terminal.
    expect(/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)).toBe(false);
    expect(text).toContain('Web shell \\x1b[2J\\x1b[31mwritten');
    expect(text).toContain('    \\x1b]0;owned\\x07Second line');
    expect(text).toMatch(/status +dana: status: new → triaging/);
    expect(text).toContain('— first Initial Access');
  });

  it('escapes C0 and C1 controls and keeps other text', () => {
    expect(printable('a\u001bb\u009bc\u00e9\n')).toBe('a\\x1bb\\x9bcé\\x0a');
  });
});

describe('describeChanges', () => {
  it('says what changed, one line each', () => {
    const changes = describeChanges(
      incident,
      { status: 'contained', assignee: null, title: 'Exchange compromise, register exfiltrated' },
      true,
    );
    expect(changes.map((change) => change.text)).toEqual([
      'status: triaging → contained',
      'unassigned (was dana)',
      'title: "Exchange compromise" → "Exchange compromise, register exfiltrated"',
      'note added',
    ]);
  });
});
