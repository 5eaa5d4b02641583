import { beforeAll, describe, expect, it } from 'vitest';
import { AttackIndex, ENTERPRISE_TACTICS } from './catalogue.js';
import { killChain } from './kill-chain.js';
import { attackOfTags, parseAttackTag } from './tags.js';
import { loadMiniCatalogue } from './testing.js';

let index: AttackIndex;
const none = new AttackIndex(undefined);
beforeAll(async () => {
  index = new AttackIndex(await loadMiniCatalogue());
});

describe('parseAttackTag', () => {
  it('reads the Sigma tag forms', () => {
    expect(parseAttackTag('attack.t1059')).toEqual({ kind: 'technique', id: 'T1059' });
    expect(parseAttackTag('attack.T1059.001')).toEqual({ kind: 'technique', id: 'T1059.001' });
    expect(parseAttackTag('attack.execution')).toEqual({ kind: 'tactic', key: 'execution' });
    expect(parseAttackTag('attack.credential_access')).toEqual({ kind: 'tactic', key: 'credential-access' });
    expect(parseAttackTag('attack.command-and-control')).toEqual({
      kind: 'tactic',
      key: 'command-and-control',
    });
    expect(parseAttackTag('attack.ta0006')).toEqual({ kind: 'tactic', key: 'TA0006' });
    expect(parseAttackTag('attack.g0007')).toEqual({ kind: 'group', id: 'G0007' });
    expect(parseAttackTag('attack.s0002')).toEqual({ kind: 'software', id: 'S0002' });
    expect(parseAttackTag('attack.c0001')).toEqual({ kind: 'campaign', id: 'C0001' });
  });

  it('ignores other namespaces and malformed IDs', () => {
    for (const tag of [
      'cve.2021-26855',
      'car.2016-04-005',
      'detection.threat-hunting',
      'attack.t123',
      'attack.t1059.1',
      'attack.',
      'tlp.red',
    ])
      expect(parseAttackTag(tag), tag).toBeUndefined();
  });
});

describe('attackOfTags', () => {
  it('names techniques and their tactics from the catalogue', () => {
    const mapping = attackOfTags(['attack.t1003.001', 'cve.2021-1'], index);
    expect(mapping.techniques).toEqual([
      expect.objectContaining({
        id: 'T1003.001',
        name: 'LSASS Memory',
        tactics: ['credential-access'],
        known: true,
      }),
    ]);
    expect(mapping.tactics).toEqual([
      { shortname: 'credential-access', id: 'TA0006', name: 'Credential Access', order: 6, tagged: false },
    ]);
    expect(mapping.unknown).toEqual([]);
  });

  it('lets a tactic tag choose among a multi-tactic technique’s tactics', () => {
    const mapping = attackOfTags(['attack.initial_access', 'attack.t1078'], index);
    expect(mapping.tactics.map((tactic) => tactic.shortname)).toEqual(['initial-access']);
    const untagged = attackOfTags(['attack.t1078'], index);
    // All four, in matrix order rather than the order the technique lists them.
    expect(untagged.tactics.map((tactic) => tactic.shortname)).toEqual([
      'initial-access',
      'persistence',
      'privilege-escalation',
      'defense-evasion',
    ]);
  });

  it('orders tactics by the matrix, not by ID or tag order', () => {
    const mapping = attackOfTags(
      ['attack.credential_access', 'attack.reconnaissance', 'attack.execution'],
      index,
    );
    expect(mapping.tactics.map((tactic) => tactic.id)).toEqual(['TA0043', 'TA0002', 'TA0006']);
  });

  it('names groups, software and campaigns, and lists what the catalogue does not know', () => {
    const mapping = attackOfTags(
      [
        'attack.g0007',
        'attack.s0002',
        'attack.c0001',
        'attack.g9999',
        'attack.t9999',
        'attack.exfiltration',
        'attack.banana',
      ],
      index,
    );
    expect(mapping.groups).toEqual([
      { id: 'G0007', name: 'APT28', known: true },
      { id: 'G9999', known: false },
    ]);
    expect(mapping.software).toEqual([{ id: 'S0002', name: 'Mimikatz', known: true }]);
    expect(mapping.campaigns).toEqual([{ id: 'C0001', name: 'Operation Ballot', known: true }]);
    // The mini matrix has no exfiltration tactic.
    expect(mapping.unknown).toEqual(['attack.g9999', 'attack.t9999', 'attack.exfiltration', 'attack.banana']);
  });

  it('marks revoked techniques with their replacement', () => {
    expect(attackOfTags(['attack.t1086'], index).techniques[0]).toMatchObject({
      revoked: true,
      revokedBy: 'T1059.001',
    });
  });

  it('without a catalogue keeps IDs, and still names and orders tactics from the built-in Enterprise list', () => {
    const mapping = attackOfTags(
      ['attack.exfiltration', 'attack.t1048', 'attack.initial_access', 'attack.g0007'],
      none,
    );
    expect(mapping.techniques).toEqual([{ id: 'T1048', tactics: [], known: false }]);
    expect(mapping.tactics.map((tactic) => [tactic.shortname, tactic.name])).toEqual([
      ['initial-access', 'Initial Access'],
      ['exfiltration', 'Exfiltration'],
    ]);
    expect(mapping.groups).toEqual([{ id: 'G0007', known: false }]);
    expect(mapping.unknown).toEqual([]);
    expect(ENTERPRISE_TACTICS).toHaveLength(14);
  });
});

describe('killChain', () => {
  it('puts members under their tactics in matrix order with first-seen times', () => {
    const chain = killChain(
      [
        { alertId: 'a3', timestamp: '2024-11-05T12:00:00Z', tags: ['attack.t1003.001'] },
        { alertId: 'a1', timestamp: '2024-11-05T10:00:00Z', tags: ['attack.t1190', 'attack.initial_access'] },
        { alertId: 'a2', timestamp: '2024-11-05T11:00:00Z', tags: ['attack.t1059.001', 'attack.t1505.003'] },
        { alertId: 'a4', timestamp: '2024-11-05T13:00:00Z', tags: ['attack.t1059.001'] },
      ],
      index,
    );
    expect(
      chain.stages.map((stage) => ({
        tactic: stage.tactic.shortname,
        firstSeen: stage.firstSeen,
        lastSeen: stage.lastSeen,
        alerts: stage.alerts,
        techniques: stage.techniques.map((technique) => [
          technique.id,
          technique.firstSeen,
          technique.alerts,
        ]),
      })),
    ).toEqual([
      {
        tactic: 'initial-access',
        firstSeen: '2024-11-05T10:00:00Z',
        lastSeen: '2024-11-05T10:00:00Z',
        alerts: ['a1'],
        techniques: [['T1190', '2024-11-05T10:00:00Z', ['a1']]],
      },
      {
        tactic: 'execution',
        firstSeen: '2024-11-05T11:00:00Z',
        lastSeen: '2024-11-05T13:00:00Z',
        alerts: ['a2', 'a4'],
        techniques: [['T1059.001', '2024-11-05T11:00:00Z', ['a2', 'a4']]],
      },
      {
        tactic: 'persistence',
        firstSeen: '2024-11-05T11:00:00Z',
        lastSeen: '2024-11-05T11:00:00Z',
        alerts: ['a2'],
        techniques: [['T1505.003', '2024-11-05T11:00:00Z', ['a2']]],
      },
      {
        tactic: 'credential-access',
        firstSeen: '2024-11-05T12:00:00Z',
        lastSeen: '2024-11-05T12:00:00Z',
        alerts: ['a3'],
        techniques: [['T1003.001', '2024-11-05T12:00:00Z', ['a3']]],
      },
    ]);
    expect(chain.techniqueCount).toBe(4);
    expect(chain.unplaced).toEqual([]);
  });

  it('without a catalogue places techniques under the rule’s tactic tags, or leaves them unplaced', () => {
    const chain = killChain(
      [
        { alertId: 'x', timestamp: '2024-11-05T10:00:00Z', tags: ['attack.t1190', 'attack.initial_access'] },
        { alertId: 'y', timestamp: '2024-11-05T11:00:00Z', tags: ['attack.t1059.001'] },
      ],
      none,
    );
    expect(chain.stages.map((stage) => [stage.tactic.name, stage.techniques.map((t) => t.id)])).toEqual([
      ['Initial Access', ['T1190']],
    ]);
    expect(chain.unplaced.map((technique) => technique.id)).toEqual(['T1059.001']);
  });
});
