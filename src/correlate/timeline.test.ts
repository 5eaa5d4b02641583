import { beforeAll, describe, expect, it } from 'vitest';
import { AttackIndex } from '../intel/attack/catalogue.js';
import { loadMiniCatalogue } from '../intel/attack/testing.js';
import { IncidentGrouper } from './incidents.js';
import type { GroupingAlert } from './incidents.js';
import { incidentSeverity } from './severity.js';
import { buildTimeline } from './timeline.js';
import type { TimelineAlert, WorkflowEvent } from './timeline.js';
import { createNote, transition } from './workflow.js';

let index: AttackIndex;
beforeAll(async () => {
  index = new AttackIndex(await loadMiniCatalogue());
});

const host = { kind: 'host', value: 'exch01', display: 'EXCH01' } as const;
const account = { kind: 'account', value: 'alice', display: 'ELECTIONS\\alice' } as const;
const ip = { kind: 'source-ip', value: '198.51.100.23', display: '198.51.100.23' } as const;

const ALERTS: GroupingAlert[] = [
  {
    id: 'a1',
    timestamp: '2024-11-05T03:14:07Z',
    rule: {
      id: 'r1',
      title: 'ProxyLogon SSRF',
      level: 'high',
      tags: ['attack.initial_access', 'attack.t1190'],
    },
    entities: [host, ip],
  },
  {
    id: 'a2',
    timestamp: '2024-11-05T03:20:00Z',
    rule: {
      id: 'r2',
      title: 'Web shell written',
      level: 'critical',
      tags: ['attack.persistence', 'attack.t1505.003'],
    },
    entities: [host, account, ip],
  },
  {
    id: 'a3',
    timestamp: '2024-11-05T03:45:00Z',
    rule: { id: 'r3', title: 'LSASS dump', level: 'high', tags: ['attack.t1003.001'] },
    entities: [host, account],
  },
];

describe('buildTimeline', () => {
  it('orders alerts and workflow events by time and marks what each alert showed first', () => {
    const grouper = new IncidentGrouper({ attack: index });
    const members: TimelineAlert[] = ALERTS.map((alert) => ({ ...alert, reason: grouper.add(alert).reason }));
    const events: WorkflowEvent[] = [
      transition('new', 'triaging', { actor: 'dana', at: new Date('2024-11-05T03:45:00Z') }),
      createNote('Isolated EXCH01 from the network.', {
        actor: 'dana',
        at: new Date('2024-11-05T03:30:00Z'),
      }),
    ];
    const timeline = buildTimeline([...members].reverse(), events, index);
    expect(timeline.map((entry) => [entry.at, entry.kind, entry.alertId ?? ''])).toEqual([
      ['2024-11-05T03:14:07Z', 'alert', 'a1'],
      ['2024-11-05T03:20:00Z', 'alert', 'a2'],
      ['2024-11-05T03:30:00.000Z', 'note', ''],
      ['2024-11-05T03:45:00Z', 'alert', 'a3'],
      ['2024-11-05T03:45:00.000Z', 'status', ''],
    ]);
    const [first, second, note, third, status] = timeline;
    expect(first!.firstSeen).toEqual({
      tactics: ['initial-access'],
      techniques: ['T1190'],
      entities: ['host:exch01', 'source-ip:198.51.100.23'],
    });
    expect(first!.text).toBe(
      'HIGH ProxyLogon SSRF T1190 Exploit Public-Facing Application [Initial Access] — first Initial Access',
    );
    expect(first!.reason).toMatch(/^opened INC-1/);
    expect(second!.firstSeen).toEqual({
      tactics: ['persistence'],
      techniques: ['T1505.003'],
      entities: ['account:alice'],
    });
    expect(second!.reason).toMatch(/^joined INC-1 \(medium link\): same source IP as alert a1/);
    expect(third!.firstSeen).toEqual({
      tactics: ['credential-access'],
      techniques: ['T1003.001'],
      entities: [],
    });
    expect(third!.tactics.map((tactic) => tactic.name)).toEqual(['Credential Access']);
    expect(note!.text).toBe('note by dana: Isolated EXCH01 from the network.');
    expect(status!.text).toBe('dana: new → triaging');
  });

  it('takes stored reason text as well as reason objects, and survives unparseable times', () => {
    const timeline = buildTimeline(
      [
        { ...ALERTS[0]!, timestamp: 'garbage', reason: 'stored text' },
        { ...ALERTS[1]!, reason: 'joined earlier' },
      ],
      [],
      new AttackIndex(undefined),
    );
    expect(timeline.map((entry) => [entry.alertId, entry.reason])).toEqual([
      ['a2', 'joined earlier'],
      ['a1', 'stored text'],
    ]);
    expect(timeline[0]!.text).toBe('CRITICAL Web shell written T1505.003 [Persistence] — first Persistence');
  });
});

describe('incidentSeverity', () => {
  it('raises for a kill chain and for breadth, capped at critical, never for informational-only incidents', () => {
    expect(
      incidentSeverity({ maxLevel: 'low', tactics: ['a', 'b', 'c'], techniques: ['1', '2', '3', '4', '5'] }),
    ).toEqual({
      level: 'high',
      reasons: [
        'highest alert level: low',
        'raised: the alerts span 3 tactics (a → b → c)',
        'raised: 5 distinct techniques',
      ],
    });
    expect(incidentSeverity({ maxLevel: 'critical', tactics: ['a', 'b', 'c'], techniques: [] }).level).toBe(
      'critical',
    );
    expect(
      incidentSeverity({
        maxLevel: 'informational',
        tactics: ['a', 'b', 'c'],
        techniques: ['1', '2', '3', '4', '5'],
      }).level,
    ).toBe('informational');
    expect(
      incidentSeverity({ maxLevel: 'medium', tactics: ['a', 'b'], techniques: ['1', '2', '3', '4'] }).level,
    ).toBe('medium');
  });
});
