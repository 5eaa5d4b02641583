import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../test/helpers/shared.js';
import { Detector } from '../detect/detector.js';
import { EventView } from '../events/field-resolver.js';
import { defaultMapping } from '../mapping/mapping.js';
import { ruleIdOf } from '../sigma/compile/compile-rules.js';
import { parseRuleText } from '../sigma/parse/parse-rules.js';
import { readSequences, runSequence, stampEvent } from './rule-sequences.js';

function correlationTestFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) correlationTestFiles(path, out);
    else if (entry.startsWith('mr_') && entry.endsWith('.tests.yaml')) out.push(path);
  }
  return out;
}

describe('the shipped correlation rules', () => {
  const files = correlationTestFiles(join(projectRoot, 'rules'));

  it('are there: brute force, spraying, Exchange logon bursts, mailbox addresses, register reads', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const testFile of files) {
    it(`pass their sequences: ${testFile.slice(projectRoot.length + 1)}`, () => {
      const ruleFile = testFile.replace(/\.tests\.yaml$/, '.yml');
      const parsed = parseRuleText(readFileSync(ruleFile, 'utf8'), ruleFile);
      expect(parsed.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
      const detector = new Detector({
        sources: [{ path: ruleFile, documents: parsed.documents }],
        mapping: defaultMapping(),
        placeholders: [],
        minLevel: 'informational',
      });
      expect(detector.summary.failed).toEqual([]);
      const correlationIds = new Set(
        parsed.documents.flatMap((doc, index) =>
          doc.kind === 'correlation' ? [ruleIdOf(doc, ruleFile, index)] : [],
        ),
      );
      const sequences = readSequences(parseYaml(readFileSync(testFile, 'utf8')), testFile);
      expect(sequences.some((s) => s.alerts > 0) && sequences.some((s) => s.alerts === 0)).toBe(true);
      for (const sequence of sequences) {
        const outcome = runSequence(detector, sequence, correlationIds, testFile);
        expect(outcome.detail, sequence.name).toBeUndefined();
        expect(outcome.passed, sequence.name).toBe(true);
      }
    });
  }
});

describe('sequence files', () => {
  const rules = `title: Failed logon
name: failed
logsource: { product: test }
detection: { selection: { outcome: failure }, condition: selection }
---
title: Three failures
correlation: { type: event_count, rules: [failed], group-by: [user], timespan: 1m, condition: { gte: 3 } }
`;
  const detector = new Detector({
    sources: [{ path: 't.yml', documents: parseRuleText(rules, 't.yml').documents }],
    mapping: defaultMapping(),
    placeholders: [],
    minLevel: 'informational',
  });
  const ids = new Set(['t.yml#1']);

  it('expand repeat, every, {n} and after, and stamp each event in its own layout', () => {
    const [sequence] = readSequences(
      {
        sequences: [
          {
            name: 's',
            alerts: 1,
            events: [
              {
                at: '2026-11-03T06:00:00Z',
                repeat: 2,
                every: '10s',
                event: { outcome: 'failure', user: 'u{n}' },
              },
              { after: '5s', event: { outcome: 'failure', user: 'u1' } },
              { after: '-20s', event: { outcome: 'failure', user: 'u1' } },
            ],
          },
        ],
      },
      'x.tests.yaml',
    );
    expect(sequence!.events).toEqual([
      { outcome: 'failure', user: 'u1', '@timestamp': '2026-11-03T06:00:00.000Z' },
      { outcome: 'failure', user: 'u2', '@timestamp': '2026-11-03T06:00:10.000Z' },
      { outcome: 'failure', user: 'u1', '@timestamp': '2026-11-03T06:00:15.000Z' },
      { outcome: 'failure', user: 'u1', '@timestamp': '2026-11-03T05:59:55.000Z' },
    ]);
    // Out of order in the file, in order once sorted: three failures of u1 within a minute.
    expect(runSequence(detector, sequence!, ids, 'x.tests.yaml')).toMatchObject({ passed: true });
  });

  it('stamp evtx, W3C and flat events where the field resolver reads their time', () => {
    const iso = '2026-11-03T06:07:08.000Z';
    for (const event of [
      { Event: { System: { EventID: 4625 }, EventData: {} } },
      { date: '2021-01-01', time: '00:00:00', 'cs-method': 'GET' },
      { timestamp: 'old', x: 1 },
      { x: 1 },
    ]) {
      expect(new EventView(stampEvent(event, iso)).timestamp()?.slice(0, 19)).toBe(iso.slice(0, 19));
    }
  });

  it('report a wrong count with the reason, including matches left out', () => {
    const [sequence] = readSequences(
      {
        sequences: [
          {
            name: 'untimed',
            alerts: 1,
            events: [{ repeat: 3, event: { outcome: 'failure', user: 'u1' } }],
          },
        ],
      },
      'x.tests.yaml',
    );
    const outcome = runSequence(detector, sequence!, ids, 'x.tests.yaml');
    expect(outcome.passed).toBe(false);
    expect(outcome.detail).toContain('expected 1 correlation alert(s), got 0');
    expect(outcome.detail).toContain('have no timestamp');
  });

  it('refuse malformed sequences with the file and position', () => {
    for (const [sequences, message] of [
      ['nope', "'sequences' must be a list"],
      [[{ name: 'a', events: [] }], "'alerts'"],
      [[{ name: 'a', alerts: 1, events: [] }], "'events' must be a non-empty list"],
      [[{ name: 'a', alerts: 1, events: [{ at: 'yesterday', event: {} }] }], "'at' must be an ISO time"],
      [[{ name: 'a', alerts: 1, events: [{ repeat: 0, event: {} }] }], "'repeat'"],
      [[{ name: 'a', alerts: 1, events: [{ repeat: 200_000, event: {} }] }], 'at most 100000 events'],
      [[{ name: 'a', alerts: 1, events: [{ after: '5s', event: {} }] }], "'after' needs"],
      [[{ name: 'a', alerts: 1, events: [{ event: 'x' }] }], "needs an 'event' mapping"],
      [[{ name: 'a', alerts: 1, ordering: 'random', events: [{ event: {} }] }], "'ordering'"],
    ] as const) {
      expect(() => readSequences({ sequences }, 'x.tests.yaml')).toThrow(message);
      expect(() => readSequences({ sequences }, 'x.tests.yaml')).toThrow('x.tests.yaml');
    }
  });
});
