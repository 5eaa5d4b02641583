import { describe, expect, it } from 'vitest';
import { compileText } from '../../../test/helpers/engine.js';
import { parseRuleText } from '../parse/parse-rules.js';
import { planCorrelations } from './compile-correlations.js';
import { parseTimespan } from './timespan.js';

const BASE = `title: Failed logon
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
name: failed_logon
logsource: { product: test }
detection: { selection: { action: failed }, condition: selection }
level: low
---
title: Successful logon
name: successful_logon
logsource: { product: test }
detection: { selection: { action: success }, condition: selection }
`;

const correlation = (body: string, title = 'Correlation'): string => `---
title: ${title}
correlation:
${body
  .trim()
  .split('\n')
  .map((line) => `  ${line}`)
  .join('\n')}
`;

describe('timespans', () => {
  it('accepts s, m, h, d and w and refuses the rest with a reason', () => {
    expect(parseTimespan('90m')).toEqual({ ok: true, ms: 5_400_000 });
    expect(parseTimespan('2w')).toEqual({ ok: true, ms: 1_209_600_000 });
    for (const [text, code] of [
      ['0s', 'invalid-timespan'],
      ['-5m', 'invalid-timespan'],
      ['5 minutes', 'invalid-timespan'],
      ['1.5h', 'invalid-timespan'],
      ['1y', 'invalid-timespan'],
      ['3M', 'invalid-timespan'],
      ['5H', 'invalid-timespan'],
      ['99999999d', 'timespan-too-long'],
      ['32d', 'timespan-too-long'],
    ] as const) {
      expect(parseTimespan(text), text).toMatchObject({ ok: false, code });
    }
  });
});

describe('compiling correlations', () => {
  it('resolves references by id and by name and derives the level from the rules when unset', () => {
    const result = compileText(
      BASE +
        correlation(`
type: event_count
rules: [5638f7c0-ac70-491d-8465-2a65075e0d86]
group-by: [user]
timespan: 10m
condition: { gte: 10 }`) +
        correlation(
          `
type: temporal_ordered
rules: [failed_logon, successful_logon]
group-by: [user]
timespan: 1h`,
          'Ordered',
        ),
    );
    expect(result.failed).toEqual([]);
    expect(result.correlations.map((c) => [c.title, c.level, c.evaluation])).toEqual([
      ['Correlation', 'low', 'arrival'],
      ['Ordered', 'medium', 'arrival'],
    ]);
    // temporal without a condition: every rule must match.
    expect(result.correlations[1]!.condition.bounds).toEqual([{ op: 'gte', value: 2 }]);
  });

  it('fails a correlation that names an unknown rule, at the line of that reference; others load', () => {
    const text =
      BASE +
      correlation(`
type: event_count
rules:
  - failed_logon
  - no_such_rule
group-by: [user]
timespan: 10m
condition: { gte: 3 }`) +
      correlation(
        `
type: event_count
rules: [failed_logon]
group-by: [user]
timespan: 10m
condition: { gte: 3 }`,
        'Good',
      );
    const result = compileText(text);
    expect(result.correlations.map((c) => c.title)).toEqual(['Good']);
    const issue = result.issues.find((i) => i.code === 'correlation-unknown-rule');
    expect(issue?.message).toContain("'no_such_rule'");
    const line = text.split('\n').findIndex((l) => l.includes('- no_such_rule')) + 1;
    expect(issue?.location).toMatchObject({ file: 'test.yml', line });
    expect(result.failed).toEqual([expect.objectContaining({ code: 'correlation-unknown-rule' })]);
  });

  it('reports bad timespans, conditions and aliases as located errors', () => {
    const cases: [string, string, string][] = [
      [
        'type: event_count\nrules: [failed_logon]\ngroup-by: [user]\ntimespan: 0s\ncondition: { gte: 1 }',
        'invalid-timespan',
        'timespan',
      ],
      [
        'type: event_count\nrules: [failed_logon]\ngroup-by: [user]\ntimespan: 400d\ncondition: { gte: 1 }',
        'timespan-too-long',
        'timespan',
      ],
      [
        'type: event_count\nrules: [failed_logon]\ngroup-by: [user]\ntimespan: 5m',
        'invalid-condition',
        'title',
      ],
      [
        'type: event_count\nrules: [failed_logon]\ngroup-by: [user]\ntimespan: 5m\ncondition: { gte: ten }',
        'invalid-condition',
        'condition',
      ],
      [
        'type: event_count\nrules: [failed_logon]\ngroup-by: [user]\ntimespan: 5m\ncondition: { most: 3 }',
        'invalid-condition',
        'condition',
      ],
      [
        'type: value_count\nrules: [failed_logon]\ngroup-by: [user]\ntimespan: 5m\ncondition: { gte: 3 }',
        'invalid-condition',
        'condition',
      ],
      [
        'type: value_sum\nrules: [failed_logon]\ngroup-by: [user]\ntimespan: 5m\ncondition: { field: [a, b], gt: 3 }',
        'invalid-condition',
        'condition',
      ],
      [
        'type: temporal\nrules: [failed_logon, successful_logon]\ngroup-by: [user]\ntimespan: 5m\ncondition: { lt: 2 }',
        'invalid-condition',
        'condition',
      ],
      [
        'type: value_percentile\nrules: [failed_logon]\ngroup-by: [user]\ntimespan: 5m\ncondition: { field: a, percentile: 101, gt: 3 }',
        'invalid-condition',
        'condition',
      ],
      [
        'type: temporal\nrules: [failed_logon, successful_logon]\ngroup-by: [ip]\ntimespan: 5m\naliases: { ip: { other_rule: src } }',
        'correlation-unknown-rule',
        'aliases',
      ],
      [
        'type: temporal\nrules: [failed_logon, failed_logon]\ngroup-by: [ip]\ntimespan: 5m',
        'invalid-field',
        'rules',
      ],
    ];
    for (const [body, code, key] of cases) {
      const text = BASE + correlation(body);
      const result = compileText(text);
      expect(result.correlations, body).toEqual([]);
      const issue = result.issues.find((i) => i.severity === 'error');
      expect(issue?.code, body).toBe(code);
      const lines = text.split('\n');
      const expectedLine =
        key === 'title'
          ? lines.findIndex((l) => l.startsWith('title: Correlation')) + 1
          : key === 'rules'
            ? lines.findIndex((l, i) => i > 10 && l.includes('failed_logon]')) + 1
            : lines.findIndex((l) => l.trimStart().startsWith(`${key}:`)) + 1;
      expect(issue?.location.line, body).toBe(expectedLine);
    }
  });

  it('refuses non-boolean generate, bad levels and string conditions when parsing', () => {
    for (const [line, message] of [
      ['  generate: yes please', "'generate' must be true or false"],
      ['  condition: failed_logon and successful_logon', 'must be a mapping'],
    ]) {
      const parsed = parseRuleText(
        `title: c\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  group-by: [u]\n  timespan: 5m\n${line}\n`,
        'c.yml',
      );
      expect(parsed.documents).toEqual([]);
      expect(parsed.issues[0]).toMatchObject({ code: 'invalid-field', location: { file: 'c.yml', line: 7 } });
      expect(parsed.issues[0]!.message).toContain(message);
    }
    const level = parseRuleText(
      'title: c\nlevel: severe\ncorrelation: { type: temporal, rules: [a, b], group-by: [u], timespan: 5m }\n',
      'c.yml',
    );
    expect(level.issues[0]).toMatchObject({ code: 'invalid-field', location: { line: 2 } });
  });

  it('detects cycles and fails correlations that refer to broken ones', () => {
    const result = compileText(
      BASE +
        `---
title: A
name: corr_a
correlation: { type: temporal, rules: [corr_b, failed_logon], group-by: [user], timespan: 5m }
---
title: B
name: corr_b
correlation: { type: temporal, rules: [corr_a, failed_logon], group-by: [user], timespan: 5m }
---
title: Self
name: corr_self
correlation: { type: temporal, rules: [corr_self, failed_logon], group-by: [user], timespan: 5m }
`,
    );
    expect(result.correlations).toEqual([]);
    expect(result.failed.map((f) => f.code).sort()).toEqual([
      'correlation-cycle',
      'correlation-cycle',
      'correlation-rule-failed',
    ]);
  });

  it('checks that fields read from a chained correlation are ones it groups by', () => {
    const result = compileText(
      BASE +
        `---
title: Many failures
name: many_failures
correlation: { type: event_count, rules: [failed_logon], group-by: [user], timespan: 10m, condition: { gte: 5 } }
---
title: Then success, by host
correlation: { type: temporal_ordered, rules: [many_failures, successful_logon], group-by: [host], timespan: 1h }
`,
    );
    expect(result.correlations.map((c) => c.title)).toEqual(['Many failures']);
    expect(result.issues.find((i) => i.severity === 'error')).toMatchObject({
      code: 'correlation-unknown-field',
      message: expect.stringContaining("'host'") as unknown,
    });
  });

  it('refers to a rule that failed to compile as such', () => {
    const result = compileText(`title: Broken
name: broken
logsource: { product: test }
detection: { selection: { 'a|exists': maybe }, condition: selection }
---
title: C
correlation: { type: event_count, rules: [broken], group-by: [u], timespan: 5m, condition: { gte: 2 } }
`);
    expect(result.failed.map((f) => f.code)).toContain('correlation-rule-failed');
  });
});

describe('planning', () => {
  const text =
    BASE +
    `---
title: Many failures
name: many_failures
level: low
correlation: { type: event_count, rules: [failed_logon], group-by: [user], timespan: 10m, condition: { gte: 5 } }
---
title: Then success
level: high
correlation: { type: temporal_ordered, rules: [many_failures, successful_logon], group-by: [user], timespan: 1h }
`;

  it('silences referenced rules and intermediate correlations unless generate says otherwise', () => {
    const result = compileText(text);
    const plan = planCorrelations(result.correlations, 'informational');
    expect(plan.correlations.map((c) => [c.title, c.output])).toEqual([
      ['Many failures', false],
      ['Then success', true],
    ]);
    expect([...plan.silent].sort()).toEqual(['5638f7c0-ac70-491d-8465-2a65075e0d86', 'successful_logon']);
    expect(plan.feeds.get('successful_logon')).toEqual(['user']);

    const generated = compileText(text.replace('timespan: 1h }', 'timespan: 1h, generate: true }'));
    const generatedPlan = planCorrelations(generated.correlations, 'informational');
    expect(generatedPlan.correlations.map((c) => c.output)).toEqual([true, true]);
    expect([...generatedPlan.silent]).toEqual(['5638f7c0-ac70-491d-8465-2a65075e0d86']);
  });

  it('keeps everything a correlation at the level needs, whatever its own level', () => {
    const plan = planCorrelations(compileText(text).correlations, 'high');
    expect(plan.correlations.map((c) => c.title)).toEqual(['Many failures', 'Then success']);
    expect(planCorrelations(compileText(text).correlations, 'critical').correlations).toEqual([]);
  });
});
