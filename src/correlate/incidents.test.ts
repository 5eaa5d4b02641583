import { describe, expect, it } from 'vitest';
import { prng } from '../../test/helpers/prng.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import type { EntityKind } from './entities.js';
import type { GroupingAlert, GroupingDecision } from './incidents.js';
import {
  DEFAULT_GROUPING_CONFIG,
  GroupingError,
  IncidentGrouper,
  groupAlerts,
  groupingAlertOf,
  sortForGrouping,
} from './incidents.js';
import type { IncidentStatus } from './workflow.js';

const T0 = Date.parse('2024-11-05T08:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** `entities` as `kind:value` strings, e.g. `host:ws1`, `process:p1`. */
function alert(
  id: string,
  minutes: number,
  entities: string[],
  options: { level?: RuleLevel; tags?: string[] } = {},
): GroupingAlert {
  return {
    id,
    timestamp: new Date(T0 + minutes * MINUTE).toISOString(),
    rule: {
      id: `rule-${id}`,
      title: `Rule ${id}`,
      level: options.level ?? 'medium',
      tags: options.tags ?? [],
    },
    entities: entities.map((text) => {
      const colon = text.indexOf(':');
      const value = text.slice(colon + 1);
      return { kind: text.slice(0, colon) as EntityKind, value, display: value.toUpperCase() };
    }),
  };
}

describe('IncidentGrouper: joining', () => {
  it('links a child process to its parent (shared process GUID) and says why', () => {
    const grouper = new IncidentGrouper();
    const first = grouper.add(alert('a1', 0, ['host:ws1', 'process:p1']));
    const second = grouper.add(alert('a2', 5, ['host:ws1', 'process:p2', 'process:p1']));
    expect(first).toMatchObject({ incidentId: 'INC-1', opened: true, merged: [] });
    expect(first.reason.text).toBe(
      'opened INC-1: no open incident shares a host, account, source IP, file hash or process with alert a1 within its window.',
    );
    expect(second).toMatchObject({ incidentId: 'INC-1', opened: false });
    expect(second.reason.strength).toBe('strong');
    expect(second.reason.links.map((link) => [link.link, link.viaAlert, link.gapMs])).toEqual([
      ['process', 'a1', 5 * MINUTE],
      ['host', 'a1', 5 * MINUTE],
    ]);
    expect(second.reason.text).toBe(
      'joined INC-1 (strong link): same process tree as alert a1 (process P1; 5 min apart); same host as alert a1 (host WS1; 5 min apart).',
    );
    expect(second.incident.alertCount).toBe(2);
  });

  it('treats the same account on the same host as strong, the same host alone as weak', () => {
    const grouper = new IncidentGrouper();
    grouper.add(alert('a1', 0, ['host:ws1', 'account:alice']));
    // 30 h later: within the strong window (72 h), beyond the weak one (4 h).
    const sameUser = grouper.add(alert('a2', 30 * 60, ['host:ws1', 'account:alice']));
    expect(sameUser).toMatchObject({ incidentId: 'INC-1', opened: false });
    expect(sameUser.reason.links[0]).toMatchObject({
      link: 'host+account',
      strength: 'strong',
      viaAlert: 'a1',
    });
    const otherUser = grouper.add(alert('a3', 35 * 60, ['host:ws1', 'account:bob']));
    expect(otherUser).toMatchObject({ incidentId: 'INC-2', opened: true });
    expect(otherUser.reason.related).toEqual([
      expect.objectContaining({ incidentId: 'INC-1', why: 'outside-window', strength: 'weak' }),
    ]);
    expect(otherUser.reason.text).toContain(
      'INC-1 has the same host as alert a2 (host WS1; 5 h apart), but beyond the 4 h window for a shared host',
    );
    // Within 4 h, the host alone is enough.
    expect(grouper.add(alert('a4', 36 * 60, ['host:ws1'])).incidentId).toBe('INC-2');
  });

  it('links across hosts by source IP and by account (medium)', () => {
    const grouper = new IncidentGrouper();
    grouper.add(alert('a1', 0, ['host:ws1', 'source-ip:198.51.100.23']));
    const byIp = grouper.add(alert('a2', 10 * 60, ['host:exch01', 'source-ip:198.51.100.23']));
    expect(byIp.reason).toMatchObject({ kind: 'joined', strength: 'medium' });
    const byAccount = grouper.add(alert('a3', 20 * 60, ['host:dc01', 'account:alice']));
    expect(byAccount.opened).toBe(true);
    expect(grouper.add(alert('a4', 21 * 60, ['host:fs01', 'account:alice'])).incidentId).toBe(
      byAccount.incidentId,
    );
  });

  it('chooses the strongest link, then the most recent, then the oldest incident', () => {
    const grouper = new IncidentGrouper();
    grouper.add(alert('a1', 0, ['host:ws1'])); // INC-1
    grouper.add(alert('a2', 1, ['source-ip:203.0.113.9'])); // INC-2
    const stronger = grouper.add(alert('a3', 2, ['host:ws1', 'source-ip:203.0.113.9']));
    expect(stronger.incidentId).toBe('INC-2');
    expect(stronger.reason.related).toEqual([
      expect.objectContaining({ incidentId: 'INC-1', why: 'weaker-link' }),
    ]);

    const recent = new IncidentGrouper();
    recent.add(alert('b1', 0, ['account:alice'])); // INC-1
    recent.add(alert('b2', 10, ['source-ip:203.0.113.9'])); // INC-2
    expect(recent.add(alert('b3', 20, ['account:alice', 'source-ip:203.0.113.9'])).incidentId).toBe('INC-2');

    const tie = new IncidentGrouper();
    tie.add(alert('c1', 0, ['account:alice'])); // INC-1
    tie.add(alert('c2', 0, ['source-ip:203.0.113.9'])); // INC-2
    expect(tie.add(alert('c3', 20, ['account:alice', 'source-ip:203.0.113.9'])).incidentId).toBe('INC-1');
  });
});

describe('IncidentGrouper: merging, workflow and dormancy', () => {
  it('merges untouched incidents that an alert links strongly, with the evidence', () => {
    const grouper = new IncidentGrouper();
    grouper.add(alert('a1', 0, ['host:ws1', 'process:p1'])); // INC-1
    grouper.add(alert('a2', 10, ['host:ws2', 'file-hash:sha256:ff'])); // INC-2
    const bridge = grouper.add(alert('a3', 20, ['host:ws2', 'file-hash:sha256:ff', 'process:p1']));
    expect(bridge.incidentId).toBe('INC-2'); // strong either way; INC-2's link is more recent
    expect(
      bridge.merged.map((merge) => [
        merge.incidentId,
        merge.into,
        merge.evidence.link,
        merge.evidence.viaAlert,
      ]),
    ).toEqual([['INC-1', 'INC-2', 'process', 'a1']]);
    expect(bridge.merged[0]!.text).toBe(
      'merged INC-1 into INC-2: alert a3 has the same process tree as alert a1 (process P1; 20 min apart)',
    );
    expect(bridge.incident).toMatchObject({
      alertCount: 3,
      mergedFrom: ['INC-1'],
      firstSeen: new Date(T0).toISOString(),
    });
    expect(grouper.incidentsInState().map((incident) => incident.id)).toEqual(['INC-2']);
    // The merged incident's entities now lead to the survivor.
    expect(grouper.add(alert('a4', 30, ['host:ws1', 'process:p1'])).incidentId).toBe('INC-2');
  });

  it('does not merge an incident an analyst is working on, and names it as related', () => {
    const grouper = new IncidentGrouper();
    grouper.add(alert('a1', 0, ['process:p1']));
    grouper.add(alert('a2', 10, ['file-hash:md5:aa']));
    expect(grouper.setStatus('INC-1', 'triaging')).toBe(true);
    const bridge = grouper.add(alert('a3', 20, ['process:p1', 'file-hash:md5:aa']));
    expect(bridge.incidentId).toBe('INC-2');
    expect(bridge.merged).toEqual([]);
    expect(bridge.reason.related).toEqual([expect.objectContaining({ incidentId: 'INC-1', why: 'not-new' })]);
    expect(bridge.reason.text).toContain('INC-1 has the same process tree as alert a1');
    expect(bridge.reason.text).toContain('already being worked on, so not merged');
  });

  it('with merging turned off, joins the best incident and names the other', () => {
    const grouper = new IncidentGrouper({ config: { merge: false } });
    grouper.add(alert('a1', 0, ['process:p1']));
    grouper.add(alert('a2', 10, ['file-hash:md5:aa']));
    const bridge = grouper.add(alert('a3', 20, ['process:p1', 'file-hash:md5:aa']));
    expect(bridge.incidentId).toBe('INC-2');
    expect(bridge.merged).toEqual([]);
    expect(bridge.reason.related.map((entry) => [entry.incidentId, entry.why])).toEqual([
      ['INC-1', 'merge-off'],
    ]);
    expect(bridge.reason.text).toContain('but merging is turned off');
  });

  it('never extends closed or false-positive incidents, and extends them again once reopened', () => {
    const grouper = new IncidentGrouper();
    grouper.add(alert('a1', 0, ['host:ws1', 'account:alice']));
    grouper.setStatus('INC-1', 'closed');
    const after = grouper.add(alert('a2', 10, ['host:ws1', 'account:alice']));
    expect(after).toMatchObject({ incidentId: 'INC-2', opened: true });
    expect(after.reason.text).toContain('INC-1 has the same account on the same host as alert a1');
    expect(after.reason.text).toContain('but closed, so not extended');
    grouper.setStatus('INC-2', 'false_positive');
    grouper.setStatus('INC-1', 'triaging');
    expect(grouper.add(alert('a3', 20, ['host:ws1', 'account:alice'])).incidentId).toBe('INC-1');
    expect(grouper.setStatus('INC-404', 'closed')).toBe(false);
  });

  it('lets incidents go dormant after the longest window, and keeps them out of the state', () => {
    const grouper = new IncidentGrouper();
    grouper.add(alert('a1', 0, ['process:p1']));
    const later = grouper.add(alert('a2', 73 * 60, ['process:p1']));
    expect(later).toMatchObject({ incidentId: 'INC-2', opened: true, dormant: ['INC-1'] });
    expect(grouper.snapshot().incidents.map((incident) => incident.id)).toEqual(['INC-2']);
  });

  it('groups a late alert, and says it was late', () => {
    const grouper = new IncidentGrouper();
    grouper.add(alert('a1', 60, ['host:ws1']));
    const late = grouper.add(alert('a0', 0, ['host:ws1']));
    expect(late).toMatchObject({ incidentId: 'INC-1', late: true });
    expect(late.incident.firstSeen).toBe(new Date(T0).toISOString());
    expect(late.incident.lastSeen).toBe(new Date(T0 + HOUR).toISOString());
  });
});

describe('IncidentGrouper: severity', () => {
  it('starts from the highest member level and is raised by a kill chain of 3 tactics', () => {
    const grouper = new IncidentGrouper();
    const tags = (tactic: string): { tags: string[] } => ({ tags: [`attack.${tactic}`] });
    grouper.add(alert('a1', 0, ['host:ws1'], { level: 'medium', ...tags('initial_access') }));
    const two = grouper.add(alert('a2', 1, ['host:ws1'], { level: 'high', ...tags('execution') }));
    expect(two.incident.severity).toEqual({ level: 'high', reasons: ['highest alert level: high'] });
    const three = grouper.add(alert('a3', 2, ['host:ws1'], { level: 'low', ...tags('persistence') }));
    expect(three.incident.tactics).toEqual(['initial-access', 'execution', 'persistence']);
    expect(three.incident.severity).toEqual({
      level: 'critical',
      reasons: [
        'highest alert level: high',
        'raised: the alerts span 3 tactics (Initial Access → Execution → Persistence)',
      ],
    });
  });
});

describe('IncidentGrouper: input checks and state', () => {
  it('rejects alerts without a valid time, bad windows and damaged snapshots', () => {
    expect(() =>
      new IncidentGrouper().add(alert('a1', 0, []) && { ...alert('a1', 0, []), timestamp: 'yesterday' }),
    ).toThrow(GroupingError);
    expect(() => new IncidentGrouper({ config: { windows: { strong: -1, medium: 1, weak: 1 } } })).toThrow(
      /strong link window/,
    );
    expect(() => new IncidentGrouper({}, { version: 1, nextSeq: 0, watermark: null, incidents: [] })).toThrow(
      /the grouping state is not valid \(nextSeq: /,
    );
    expect(() => new IncidentGrouper({}, 'nonsense')).toThrow(GroupingError);
  });

  it('sorts alerts for grouping by time, then id', () => {
    const alerts = [alert('b', 5, []), alert('c', 0, []), alert('a', 5, [])];
    expect(sortForGrouping(alerts).map((entry) => entry.id)).toEqual(['c', 'a', 'b']);
  });
});

// --- Properties ---------------------------------------------------------------------------------------

const POOLS: Record<EntityKind, string[]> = {
  host: ['ws1', 'ws2', 'ws3', 'dc01', 'exch01'],
  account: ['alice', 'bob', 'carol', 'admin'],
  'source-ip': ['198.51.100.23', '203.0.113.9', '10.0.0.5'],
  'file-hash': ['sha256:aa', 'sha256:bb', 'md5:cc'],
  process: ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'],
};
const TAGS = [
  'attack.t1190',
  'attack.initial_access',
  'attack.execution',
  'attack.t1059.001',
  'attack.persistence',
  'attack.credential_access',
  'attack.t1003.001',
  'attack.exfiltration',
];
const LEVELS: RuleLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];

type Step =
  { kind: 'alert'; alert: GroupingAlert } | { kind: 'status'; incident: string; status: IncidentStatus };

function randomSteps(seed: number, count: number): Step[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const steps: Step[] = [];
  let minutes = 0;
  for (let i = 0; i < count; i++) {
    // Mostly minutes apart, sometimes hours or days, sometimes the same instant.
    const roll = random();
    minutes += roll < 0.15 ? 0 : roll < 0.8 ? Math.floor(random() * 90) : Math.floor(random() * 60 * 80);
    const entities = new Set<string>();
    const entityCount = Math.floor(random() * 4);
    for (let e = 0; e < entityCount; e++) {
      const kind = pick(Object.keys(POOLS) as EntityKind[]);
      entities.add(`${kind}:${pick(POOLS[kind])}`);
    }
    steps.push({
      kind: 'alert',
      alert: alert(`s${seed}-${String(i).padStart(4, '0')}`, minutes, [...entities], {
        level: pick(LEVELS),
        tags: [pick(TAGS), pick(TAGS)],
      }),
    });
    if (random() < 0.05)
      steps.push({
        kind: 'status',
        incident: `INC-${1 + Math.floor(random() * 10)}`,
        status: pick(['triaging', 'contained', 'closed', 'false_positive', 'triaging'] as const),
      });
  }
  return steps;
}

function run(grouper: IncidentGrouper, steps: readonly Step[]): (GroupingDecision | boolean)[] {
  return steps.map((step) =>
    step.kind === 'alert' ? grouper.add(step.alert) : grouper.setStatus(step.incident, step.status),
  );
}

describe('IncidentGrouper properties (seeded)', () => {
  it('is deterministic: the same input in the same order gives the same decisions and state', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const steps = randomSteps(seed, 150);
      const a = new IncidentGrouper();
      const b = new IncidentGrouper();
      expect(run(b, steps), `seed ${seed}`).toEqual(run(a, steps));
      expect(b.snapshot()).toEqual(a.snapshot());
    }
  });

  it('is incremental: two increments with the state saved as JSON in between equal one pass', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const steps = randomSteps(seed, 150);
      const split = Math.floor(prng(seed * 7919)() * steps.length);
      const whole = new IncidentGrouper();
      const expected = run(whole, steps);
      const first = new IncidentGrouper();
      const head = run(first, steps.slice(0, split));
      const saved = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
      const second = new IncidentGrouper({}, saved);
      const tail = run(second, steps.slice(split));
      expect([...head, ...tail], `seed ${seed}, split ${split}`).toEqual(expected);
      expect(second.snapshot()).toEqual(whole.snapshot());
    }
  });

  it('only joins along links inside their window, to an incident that holds the linked alert', () => {
    const windows = DEFAULT_GROUPING_CONFIG.windows;
    const counts = { opened: 0, merged: 0, related: 0, dormant: 0 };
    for (let seed = 100; seed < 110; seed++) {
      const steps = randomSteps(seed, 300);
      const grouper = new IncidentGrouper();
      const incidentOf = new Map<string, string>();
      const statusOf = new Map<string, IncidentStatus>();
      for (const step of steps) {
        if (step.kind === 'status') {
          if (grouper.setStatus(step.incident, step.status)) statusOf.set(step.incident, step.status);
          continue;
        }
        const decision = grouper.add(step.alert);
        for (const merge of decision.merged) {
          expect(statusOf.get(merge.incidentId) ?? 'new').toBe('new');
          for (const [alertId, incidentId] of incidentOf)
            if (incidentId === merge.incidentId) incidentOf.set(alertId, merge.into);
        }
        if (!decision.opened) {
          expect(['new', 'triaging', 'contained']).toContain(statusOf.get(decision.incidentId) ?? 'new');
          expect(decision.reason.links.length).toBeGreaterThan(0);
          for (const link of decision.reason.links) {
            expect(link.gapMs).toBeLessThanOrEqual(windows[link.strength]);
            expect(incidentOf.get(link.viaAlert)).toBe(decision.incidentId);
          }
        } else expect(decision.reason.links).toEqual([]);
        incidentOf.set(step.alert.id, decision.incidentId);
        counts.opened += decision.opened ? 1 : 0;
        counts.merged += decision.merged.length;
        counts.related += decision.reason.related.length;
        counts.dormant += decision.dormant.length;
        const members = [...incidentOf.values()].filter((id) => id === decision.incidentId).length;
        expect(decision.incident.alertCount).toBe(members);
      }
    }
    // The generator must exercise every path, or the checks above prove little.
    expect(counts.merged).toBeGreaterThan(0);
    expect(counts.related).toBeGreaterThan(0);
    expect(counts.dormant).toBeGreaterThan(0);
    expect(counts.opened).toBeGreaterThan(10);
  });

  it('groupAlerts equals feeding a grouper alert by alert', () => {
    const alerts = randomSteps(7, 80).flatMap((step) => (step.kind === 'alert' ? [step.alert] : []));
    const grouper = new IncidentGrouper();
    const decisions = alerts.map((entry) => grouper.add(entry));
    expect(groupAlerts(alerts)).toEqual({ decisions, snapshot: grouper.snapshot() });
  });
});

describe('groupingAlertOf', () => {
  it('takes a hunt alert’s rule and time, and the entities of its event', () => {
    const grouping = groupingAlertOf('42', {
      timestamp: '2024-11-05T10:00:00.000Z',
      rule: { id: 'r', title: 'T', level: 'high', tags: ['attack.t1190'], path: 'rules/r.yml' },
      event: {
        Event: { System: { Computer: 'EXCH01.elections.local' }, EventData: { IpAddress: '203.0.113.9' } },
      },
    });
    expect(grouping).toEqual({
      id: '42',
      timestamp: '2024-11-05T10:00:00.000Z',
      rule: { id: 'r', title: 'T', level: 'high', tags: ['attack.t1190'] },
      entities: [
        { kind: 'host', value: 'exch01', display: 'EXCH01.elections.local', field: 'Computer' },
        { kind: 'source-ip', value: '203.0.113.9', display: '203.0.113.9', field: 'IpAddress' },
      ],
    });
  });
});

describe('IncidentGrouper: incident span', () => {
  it('starts a new incident once the old one spans maxSpan, naming the old one', () => {
    const grouper = new IncidentGrouper({ config: { ...DEFAULT_GROUPING_CONFIG, maxSpan: 3 * HOUR } });
    grouper.add(alert('a1', 0, ['host:exch01']));
    grouper.add(alert('a2', 2 * 60, ['host:exch01']));
    const third = grouper.add(alert('a3', 3 * 60 + 1, ['host:exch01']));
    expect(third).toMatchObject({ incidentId: 'INC-2', opened: true });
    expect(third.reason.related.map((entry) => [entry.incidentId, entry.why])).toEqual([
      ['INC-1', 'span-exceeded'],
    ]);
    expect(third.reason.text).toContain('but it started more than 3 h ago, so a new incident starts');
  });
});
