/**
 * The correlation engine against the specification's examples (v2.1.0), one correlation type at a time,
 * through the real detector: rules are compiled from YAML and events are plain JSON with `@timestamp`.
 */
import { describe, expect, it } from 'vitest';
import { detectorFor } from '../../test/helpers/engine.js';
import type { Alert } from '../events/event.js';
import type { Issue } from '../issues.js';
import type { CorrelationOrdering } from './correlation-runner.js';
import { CorrelationRunner } from './correlation-runner.js';
import type { EngineLimits } from './correlation-engine.js';

const T0 = Date.UTC(2026, 10, 3, 6, 0, 0);
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

interface Run {
  readonly alerts: Alert[];
  /** Alerts of correlation rules only. */
  readonly correlated: Alert[];
  readonly issues: Issue[];
  readonly runner: CorrelationRunner;
}

function correlate(
  rules: string,
  events: readonly Record<string, unknown>[],
  options: {
    ordering?: CorrelationOrdering;
    reorderWindowMs?: number;
    limits?: Partial<EngineLimits>;
    minLevel?: 'informational' | 'high';
  } = {},
): Run {
  const detector = detectorFor(rules);
  expect(detector.summary.failed).toEqual([]);
  const alerts: Alert[] = [];
  const issues: Issue[] = [];
  const runner = new CorrelationRunner({
    plan: detector.summary.correlation,
    ordering: options.ordering ?? 'sorted',
    ...(options.reorderWindowMs !== undefined ? { reorderWindowMs: options.reorderWindowMs } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    onAlert: (alert) => alerts.push(alert),
    onIssue: (issue) => issues.push(issue),
  });
  events.forEach((event, index) => {
    const result = detector.detectEvent(event, { path: 'events.ndjson', format: 'ndjson', line: index + 1 });
    alerts.push(...result.alerts);
    for (const input of result.correlationInputs) runner.add(input);
  });
  runner.finish();
  const correlationIds = new Set(detector.summary.correlation.correlations.map((c) => c.id));
  return { alerts, correlated: alerts.filter((a) => correlationIds.has(a.rule.id)), issues, runner };
}

const detail = (alert: Alert): Record<string, unknown> =>
  (alert.event as { correlation: Record<string, unknown> }).correlation;

const rule = (name: string, selection: string, extra = ''): string => `title: ${name}
name: ${name}
logsource: { product: test }
detection:
  selection: ${selection}
  condition: selection
${extra}---
`;

const FAILED = rule('failed_login', '{ action: logon, outcome: failure }', 'level: low\n');
const SUCCESS = rule('successful_login', '{ action: logon, outcome: success }');
const failed = (
  seconds: number,
  user: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  '@timestamp': at(seconds),
  action: 'logon',
  outcome: 'failure',
  User: user,
  ComputerName: 'DC01',
  ...extra,
});
const success = (seconds: number, user: string): Record<string, unknown> => ({
  '@timestamp': at(seconds),
  action: 'logon',
  outcome: 'success',
  User: user,
  ComputerName: 'DC01',
});

describe('event_count', () => {
  const rules = `${FAILED}title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [ComputerName]
  timespan: 1h
  condition: { gte: 5 }
level: high
`;

  it('counts matches per group in a sliding window and alerts once per burst', () => {
    const run = correlate(
      rules,
      [0, 600, 1200, 1800, 2400, 2500, 2600].map((s) => failed(s, `u${s}`)),
    );
    expect(run.correlated).toHaveLength(1);
    const alert = run.correlated[0]!;
    expect(alert.rule).toMatchObject({ id: '0e95725d-7320-415d-80f7-004da920fc11', level: 'high' });
    expect(alert.timestamp).toBe(at(2400));
    expect(detail(alert)).toMatchObject({
      type: 'event_count',
      group: { ComputerName: 'DC01' },
      measure: 'events',
      value: 5,
      first: at(0),
      last: at(2400),
      rules: ['failed_login'],
    });
    expect(alert.source).toMatchObject({ path: 'events.ndjson', line: 5 });
    // The base rule is only a building block (generate defaults to false): none of its matches is output.
    expect(run.alerts).toHaveLength(1);
  });

  it('is not fooled by hour boundaries: the window slides', () => {
    // 00:40 .. 01:20 holds five matches though no clock hour does.
    const run = correlate(
      rules,
      [2400, 2700, 3000, 3900, 4800].map((s) => failed(s, 'x')),
    );
    expect(run.correlated).toHaveLength(1);
  });

  it('does not alert when the matches are spread wider than the timespan or over groups', () => {
    expect(
      correlate(
        rules,
        [0, 1000, 2000, 3000, 4000].map((s) => failed(s, 'x')),
      ).correlated,
    ).toHaveLength(0);
    const hosts = [0, 1, 2, 3, 4].map((s) => ({ ...failed(s, 'x'), ComputerName: `WS${s % 2}` }));
    expect(correlate(rules, hosts).correlated).toHaveLength(0);
  });

  it('decides upper-bounded conditions when the window closes', () => {
    const few = rules.replace('condition: { gte: 5 }', 'condition: { gt: 1, lt: 4 }');
    const run = correlate(few, [
      ...[0, 10, 20].map((s) => failed(s, 'x')), // 3 in DC01's window: alert
      ...[0, 10, 20, 30, 40].map((s) => ({ ...failed(s, 'x'), ComputerName: 'WS1' })), // 5: none
      { ...failed(50, 'x'), ComputerName: 'WS2' }, // 1: none
    ]);
    expect(run.correlated.map((a) => detail(a)['group'])).toEqual([{ ComputerName: 'DC01' }]);
    expect(detail(run.correlated[0]!)).toMatchObject({ value: 3, events: 3 });
  });
});

describe('value_count', () => {
  it('counts distinct values of the field per group (spec: many users per source and destination)', () => {
    const rules = `${FAILED}title: Failed logins with many users
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [ComputerName, WorkstationName]
  timespan: 1d
  condition: { field: User, gte: 4 }
`;
    const from = (ws: string, user: string, s: number): Record<string, unknown> =>
      failed(s, user, { WorkstationName: ws });
    const run = correlate(rules, [
      // WS1: the same user again and again (many events, one value).
      ...[0, 1, 2, 3, 4, 5].map((s) => from('WS1', 'alice', s)),
      // WS2: four users, one repeated.
      from('WS2', 'alice', 10),
      from('WS2', 'bob', 11),
      from('WS2', 'bob', 12),
      from('WS2', 'carol', 13),
      from('WS2', 'dave', 14),
    ]);
    expect(run.correlated).toHaveLength(1);
    expect(detail(run.correlated[0]!)).toMatchObject({
      group: { ComputerName: 'DC01', WorkstationName: 'WS2' },
      measure: 'distinct',
      value: 4,
      values: ['alice', 'bob', 'carol', 'dave'],
      events: 5,
    });
  });
});

describe('temporal', () => {
  const recon = ['a', 'b', 'c'].map((x) => rule(`recon_cmd_${x}`, `{ CommandLine: 'recon-${x}' }`)).join('');
  const rules = `${recon}title: Reconnaissance
correlation:
  type: temporal
  rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]
  group-by: [ComputerName, User]
  timespan: 5m
`;
  const cmd = (x: string, s: number, user = 'mallory'): Record<string, unknown> => ({
    '@timestamp': at(s),
    CommandLine: `recon-${x}`,
    ComputerName: 'WS7',
    User: user,
  });

  it('fires when every rule matched within the timespan, in any order, for the same group', () => {
    const run = correlate(rules, [cmd('c', 0), cmd('a', 60), cmd('b', 120)]);
    expect(run.correlated).toHaveLength(1);
    expect(detail(run.correlated[0]!)).toMatchObject({
      measure: 'rules',
      value: 3,
      rules: ['recon_cmd_c', 'recon_cmd_a', 'recon_cmd_b'],
    });
  });

  it('does not fire when one is missing, too far apart, or by another user', () => {
    expect(correlate(rules, [cmd('a', 0), cmd('b', 60)]).correlated).toHaveLength(0);
    expect(correlate(rules, [cmd('a', 0), cmd('b', 60), cmd('c', 400)]).correlated).toHaveLength(0);
    expect(correlate(rules, [cmd('a', 0), cmd('b', 60), cmd('c', 90, 'bob')]).correlated).toHaveLength(0);
  });

  it('applies aliases: one group from differently named fields (spec example)', () => {
    const aliasRules = `${rule('internal_error', "{ 'http.response.status_code': 500 }")}${rule(
      'new_network_connection',
      "{ 'event.category': network, 'event.type': connection, 'event.outcome': success }",
    )}title: Error then connection
correlation:
  type: temporal
  rules: [internal_error, new_network_connection]
  group-by: [internal_ip, remote_ip]
  timespan: 10s
  aliases:
    internal_ip:
      internal_error: destination.ip
      new_network_connection: source.ip
    remote_ip:
      internal_error: source.ip
      new_network_connection: destination.ip
`;
    const error = (s: number, src: string, dst: string): Record<string, unknown> => ({
      '@timestamp': at(s),
      http: { response: { status_code: 500 } },
      source: { ip: src },
      destination: { ip: dst },
    });
    const connection = (s: number, src: string, dst: string): Record<string, unknown> => ({
      '@timestamp': at(s),
      event: { category: 'network', type: 'connection', outcome: 'success' },
      source: { ip: src },
      destination: { ip: dst },
    });
    const run = correlate(aliasRules, [
      error(0, '203.0.113.9', '10.0.0.5'),
      connection(3, '10.0.0.5', '203.0.113.9'), // reversed direction: same pair
      connection(4, '10.0.0.6', '203.0.113.9'), // another internal host
    ]);
    expect(run.correlated).toHaveLength(1);
    expect(detail(run.correlated[0]!)['group']).toEqual({
      internal_ip: '10.0.0.5',
      remote_ip: '203.0.113.9',
    });
  });
});

describe('temporal_ordered and chained correlations (spec: failed logins followed by success)', () => {
  const rules = `${FAILED}${SUCCESS}title: Multiple failed logons
name: multiple_failed_login
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [User]
  timespan: 10m
  condition: { gte: 10 }
---
title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
correlation:
  type: temporal_ordered
  rules: [multiple_failed_login, successful_login]
  group-by: [User]
  timespan: 10m
level: high
`;
  const failures = (user: string, from: number): Record<string, unknown>[] =>
    Array.from({ length: 10 }, (_, i) => failed(from + i * 5, user));

  it('fires when the intermediate correlation comes first, and outputs only the outer one', () => {
    const run = correlate(rules, [...failures('alice', 0), success(100, 'alice')]);
    expect(run.alerts.map((a) => a.rule.title)).toEqual([
      'Correlation - Multiple Failed Logins Followed by Successful Login',
    ]);
    expect(detail(run.alerts[0]!)).toMatchObject({
      group: { User: 'alice' },
      rules: ['multiple_failed_login', 'successful_login'],
    });
  });

  it('does not fire out of order, for another user, or past the timespan', () => {
    expect(correlate(rules, [success(0, 'alice'), ...failures('alice', 10)]).alerts).toHaveLength(0);
    expect(correlate(rules, [...failures('alice', 0), success(100, 'bob')]).alerts).toHaveLength(0);
    expect(correlate(rules, [...failures('alice', 0), success(1000, 'alice')]).alerts).toHaveLength(0);
  });

  it('with generate: true outputs the referenced rules and correlation as well', () => {
    const generated = rules.replace(
      '  timespan: 10m\nlevel: high',
      '  timespan: 10m\n  generate: true\nlevel: high',
    );
    const run = correlate(generated, [...failures('alice', 0), success(100, 'alice')]);
    const titles = run.alerts.map((a) => a.rule.title);
    // failed_login stays silent: the correlation that refers to it does not say generate.
    expect(titles.filter((t) => t === 'failed_login')).toHaveLength(0);
    expect(titles.filter((t) => t === 'successful_login')).toHaveLength(1);
    expect(titles.filter((t) => t === 'Multiple failed logons')).toHaveLength(1);
    expect(titles.filter((t) => t.startsWith('Correlation -'))).toHaveLength(1);
  });
});

describe('value_sum, value_avg, value_percentile', () => {
  const access = rule('website_access', '{ action: http }');
  const request = (s: number, ip: string, bytes: unknown): Record<string, unknown> => ({
    '@timestamp': at(s),
    action: 'http',
    SourceIP: ip,
    User: 'u1',
    bytes_sent: bytes,
  });

  it('value_sum: fires as soon as the sum in the window passes the limit (spec: exfiltration)', () => {
    const rules = `${access}title: Possible Exfiltration to Website
correlation:
  type: value_sum
  rules: [website_access]
  group-by: [SourceIP, User]
  timespan: 1h
  condition: { field: bytes_sent, gt: 1000000 }
`;
    const run = correlate(rules, [
      request(0, '10.0.0.1', 400_000),
      request(60, '10.0.0.1', '400000'), // numbers in text count
      request(120, '10.0.0.2', 900_000),
      request(180, '10.0.0.1', 300_000),
      request(240, '10.0.0.1', 'n/a'), // not a number: left out, counted
    ]);
    expect(run.correlated).toHaveLength(1);
    expect(detail(run.correlated[0]!)).toMatchObject({
      group: { SourceIP: '10.0.0.1' },
      measure: 'sum',
      value: 1_100_000,
    });
    expect(run.issues.map((i) => i.code)).toContain('correlation-not-a-number');
  });

  it('value_avg: decides on the average of the whole window', () => {
    const rules = `${access}title: Suspicious average network traffic
correlation:
  type: value_avg
  rules: [website_access]
  group-by: [SourceIP, User]
  timespan: 24h
  condition: { field: bytes_sent, gt: 500 }
`;
    const run = correlate(rules, [
      request(0, '10.0.0.1', 2000), // a big first value alone would pass: the window decides
      request(60, '10.0.0.1', 10),
      request(120, '10.0.0.1', 10),
      request(180, '10.0.0.1', 10),
      request(240, '10.0.0.1', 10),
      request(300, '10.0.0.1', 10),
      request(0, '10.0.0.2', 600),
      request(60, '10.0.0.2', 700),
    ]);
    expect(run.correlated.map((a) => [detail(a)['group'], detail(a)['value']])).toEqual([
      [{ SourceIP: '10.0.0.2', User: 'u1' }, 650],
    ]);
  });

  it('value_percentile with a percentile (pySigma): the p-th percentile of the field', () => {
    const rules = `${access}title: Slow tail
correlation:
  type: value_percentile
  rules: [website_access]
  group-by: [SourceIP]
  timespan: 1h
  condition: { field: bytes_sent, percentile: 90, gte: 1000 }
`;
    const values = [10, 20, 30, 40, 50, 60, 70, 80, 5000, 6000];
    const run = correlate(rules, [
      ...values.map((v, i) => request(i, '10.0.0.1', v)),
      ...values.map((v, i) => request(i, '10.0.0.2', v / 100)),
    ]);
    expect(run.correlated).toHaveLength(1);
    // Linear interpolation between ranks 8 and 9 (0-based) at 8.1: 5000 + 0.1 * 1000.
    expect(detail(run.correlated[0]!)).toMatchObject({
      group: { SourceIP: '10.0.0.1' },
      measure: 'percentile 90',
      value: 5100,
    });
  });

  it('value_percentile without a percentile (spec example): values seen in at most 1% of the matches', () => {
    const rules = `${rule('process_creation', '{ action: exec }')}title: A rare process name on a computer
correlation:
  type: value_percentile
  rules: [process_creation]
  group-by: [ComputerName]
  timespan: 24h
  condition: { field: image, lte: 1 }
`;
    const exec = (s: number, host: string, image: string): Record<string, unknown> => ({
      '@timestamp': at(s),
      action: 'exec',
      ComputerName: host,
      image,
    });
    const common = Array.from({ length: 199 }, (_, i) =>
      exec(i, 'WS1', i % 2 === 0 ? 'svchost.exe' : 'chrome.exe'),
    );
    const run = correlate(rules, [
      ...common,
      exec(300, 'WS1', 'rclone.exe'), // 1 of 200: 0.5%
      ...Array.from({ length: 10 }, (_, i) => exec(i, 'WS2', `tool${i}.exe`)), // each 10%
    ]);
    expect(run.correlated).toHaveLength(1);
    expect(detail(run.correlated[0]!)).toMatchObject({
      group: { ComputerName: 'WS1' },
      values: [{ value: 'rclone.exe', count: 1, percent: 0.5 }],
    });
  });
});

describe('bad input and limits', () => {
  const rules = `${FAILED}title: Failures by user
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [User]
  timespan: 10m
  condition: { gte: 3 }
`;

  it('counts and reports matches without a timestamp, and leaves them out', () => {
    const untimed = { action: 'logon', outcome: 'failure', User: 'x' };
    const run = correlate(rules, [failed(0, 'x'), untimed, untimed, failed(10, 'x')]);
    expect(run.correlated).toHaveLength(0);
    expect(run.runner.stats()).toMatchObject({ inputs: 4, untimed: 2 });
    const issue = run.issues.find((i) => i.code === 'correlation-no-timestamp');
    expect(issue).toMatchObject({ severity: 'warning', location: { file: 'events.ndjson', line: 2 } });
    expect(issue?.message).toMatch(/^2 match/);
  });

  it('counts and reports matches without the group-by field at the correlation rule', () => {
    const run = correlate(
      rules,
      [0, 1, 2].map((s) => ({ ...failed(s, 'x'), User: undefined })),
    );
    expect(run.correlated).toHaveLength(0);
    const line = rules.split('\n').indexOf('title: Failures by user') + 1;
    expect(run.issues.find((i) => i.code === 'correlation-missing-field')).toMatchObject({
      message: expect.stringContaining("'User'") as unknown,
      location: { file: 'test.yml', line },
    });
  });

  it('streams with slight disorder give the sorted result; a clock running backwards beyond it is late', () => {
    const events = [
      failed(0, 'a'),
      failed(20, 'a'),
      failed(10, 'a'),
      failed(40, 'b'),
      failed(30, 'b'),
      failed(50, 'b'),
    ];
    const sorted = correlate(rules, events);
    const streamed = correlate(rules, events, { ordering: 'stream', reorderWindowMs: 30_000 });
    expect(streamed.correlated.map(detail)).toEqual(sorted.correlated.map(detail));
    expect(sorted.correlated).toHaveLength(2);

    const backwards = [failed(0, 'a'), failed(600, 'b'), failed(10, 'a'), failed(20, 'a')];
    const late = correlate(rules, backwards, { ordering: 'stream', reorderWindowMs: 60_000 });
    expect(late.correlated).toHaveLength(0);
    expect(late.runner.stats().late).toBe(2);
    expect(late.issues.find((i) => i.code === 'correlation-late')).toMatchObject({
      location: { file: 'events.ndjson', line: 3 },
    });
    // Sorted over the whole input, the same events do correlate.
    expect(correlate(rules, backwards).correlated).toHaveLength(1);
  });

  it('keeps state bounded: groups beyond the limit are evicted, counted and reported', () => {
    const many = Array.from({ length: 500 }, (_, i) => failed(i, `user${i}`));
    const run = correlate(rules, many, { limits: { maxGroups: 50 } });
    const stats = run.runner.stats();
    expect(stats.peakGroups).toBe(50);
    expect(stats.evictions).toBe(450);
    expect(run.issues.map((i) => i.code)).toContain('correlation-state-evicted');

    const entries = correlate(
      rules.replace('gte: 3', 'gte: 100000'),
      Array.from({ length: 300 }, (_, i) => failed(i, 'one')),
      { limits: { maxStateEntries: 100 } },
    );
    expect(entries.runner.stats().peakStateEntries).toBeLessThanOrEqual(100);
    expect(entries.runner.stats().evictions).toBeGreaterThan(0);
  });

  it('frees groups once their window has passed, as event time moves on', () => {
    const detector = detectorFor(rules);
    const runner = new CorrelationRunner({
      plan: detector.summary.correlation,
      ordering: 'stream',
      reorderWindowMs: 0,
      onAlert: () => undefined,
      onIssue: () => undefined,
    });
    const feed = (event: Record<string, unknown>): void => {
      for (const input of detector.detectEvent(event, { path: 'e', format: 'ndjson' }).correlationInputs)
        runner.add(input);
    };
    for (let i = 0; i < 100; i++) feed(failed(i, `user${i}`));
    expect(runner.stats()).toMatchObject({ groups: 100 });
    feed(failed(10_000, 'another'));
    expect(runner.stats()).toMatchObject({ groups: 1, peakGroups: 100, evictions: 0 });
    runner.finish();
  });
});
