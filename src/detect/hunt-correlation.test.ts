/** Correlation rules in `hunt`: ordering across files, the buffer limit, and the figures it reports. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../events/event.js';
import type { Issue } from '../issues.js';
import { defaultMapping } from '../mapping/mapping.js';
import { parseRuleText } from '../sigma/parse/parse-rules.js';
import { hunt } from './hunt.js';
import type { HuntCounts } from './hunt.js';

const RULES = `title: Failed logon
name: failed_logon
logsource: { product: test }
detection: { selection: { outcome: failure }, condition: selection }
level: low
---
title: Successful logon
name: successful_logon
logsource: { product: test }
detection: { selection: { outcome: success }, condition: selection }
level: low
---
title: Repeated failures
name: repeated_failures
correlation: { type: event_count, rules: [failed_logon], group-by: [user], timespan: 5m, condition: { gte: 3 } }
---
title: Failures then success
id: 8d0c2f4e-6c51-4a43-9d7e-3f7f5b1f2a10
correlation:
  type: temporal_ordered
  rules: [repeated_failures, successful_logon]
  group-by: [user]
  timespan: 10m
level: high
`;

const T0 = Date.UTC(2026, 10, 3, 6, 0, 0);
const event = (seconds: number, user: string, outcome: string): Record<string, unknown> => ({
  '@timestamp': new Date(T0 + seconds * 1000).toISOString(),
  user,
  outcome,
});

// Two servers' logs: the same users' events interleave in time across the files.
const SERVER_A = [
  event(0, 'alice', 'failure'),
  event(20, 'alice', 'failure'),
  event(100, 'bob', 'failure'),
  event(130, 'alice', 'success'),
  event(300, 'bob', 'failure'),
];
const SERVER_B = [
  event(10, 'alice', 'failure'),
  event(110, 'bob', 'failure'),
  event(200, 'bob', 'failure'),
  event(400, 'bob', 'success'),
];

const work = mkdtempSync(join(tmpdir(), 'bg-hunt-correlation-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeNdjson(name: string, events: readonly Record<string, unknown>[]): string {
  const path = join(work, name);
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return path;
}

async function run(
  paths: string[],
  correlation: Parameters<typeof hunt>[0]['correlation'] = {},
): Promise<{ alerts: Alert[]; issues: Issue[]; counts: HuntCounts }> {
  const alerts: Alert[] = [];
  const issues: Issue[] = [];
  const parsed = parseRuleText(RULES, 'rules.yml');
  const counts = await hunt({
    paths,
    detector: () => ({
      sources: [{ path: 'rules.yml', documents: parsed.documents }],
      mapping: defaultMapping(),
      placeholders: [],
      minLevel: 'informational',
    }),
    threads: 1,
    onAlert: (alert) => alerts.push(alert),
    onIssue: (issue) => issues.push(issue),
    correlation,
  });
  return { alerts, issues, counts };
}

/** What a correlation found, without where the events were read (which differs between layouts). */
const findings = (alerts: readonly Alert[]): unknown[] =>
  alerts.map((alert) => {
    const detail = (alert.event as { correlation: Record<string, unknown> }).correlation;
    return { rule: alert.rule.id, timestamp: alert.timestamp, ...detail, matches: undefined };
  });

describe('correlation in hunt', () => {
  it('gives two files whose events interleave the same result as one merged, time-ordered file', async () => {
    const split = await run([writeNdjson('a.ndjson', SERVER_A), writeNdjson('b.ndjson', SERVER_B)]);
    const merged = [...SERVER_A, ...SERVER_B].sort((x, y) =>
      String(x['@timestamp']).localeCompare(String(y['@timestamp'])),
    );
    const one = await run([writeNdjson('merged.ndjson', merged)]);
    expect(findings(split.alerts)).toEqual(findings(one.alerts));
    // alice: 3 failures over both servers, then success at 130s; bob: failures 100/110/200, success at 400.
    expect(
      split.alerts.map((a) => [
        a.rule.title,
        (a.event as { correlation: { group: unknown } }).correlation.group,
      ]),
    ).toEqual([
      ['Failures then success', { user: 'alice' }],
      ['Failures then success', { user: 'bob' }],
    ]);
    // A match's refs point into the file it came from.
    const matches = (split.alerts[0]!.event as { correlation: { matches: { source: { path: string } }[] } })
      .correlation.matches;
    expect(matches.map((m) => m.source.path.endsWith('.ndjson'))).toEqual([true, true]);
    expect(split.counts.correlation).toMatchObject({
      correlations: 2,
      inputs: 9,
      untimed: 0,
      late: 0,
      alerts: 2,
      ordering: 'sorted',
      peakBuffered: 9,
      evictions: 0,
    });
    expect(split.counts.alerts).toBe(2);
  });

  it('read in the opposite order, the files still correlate the same way', async () => {
    const forwards = await run([writeNdjson('a1.ndjson', SERVER_A), writeNdjson('b1.ndjson', SERVER_B)]);
    const backwards = await run([writeNdjson('z1.ndjson', SERVER_B), writeNdjson('z2.ndjson', SERVER_A)]);
    expect(findings(backwards.alerts)).toEqual(findings(forwards.alerts));
  });

  it('past the buffer limit carries on as a stream with a reorder window, and says so', async () => {
    const paths = [writeNdjson('c.ndjson', SERVER_A), writeNdjson('d.ndjson', SERVER_B)];
    const small = await run(paths, { maxBuffered: 3, reorderWindowMs: 0 });
    expect(small.issues.map((i) => i.code)).toContain('correlation-buffer-full');
    expect(small.counts.correlation).toMatchObject({ ordering: 'stream' });
    // File b's events are older than file a's latest: with no reorder window they are late.
    expect(small.counts.correlation!.late).toBeGreaterThan(0);
    expect(small.issues.map((i) => i.code)).toContain('correlation-late');
  });
});
