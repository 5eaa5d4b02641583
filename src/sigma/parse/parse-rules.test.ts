import { describe, expect, it } from 'vitest';
import { parseRuleText } from './parse-rules.js';

const GOOD = `title: Good rule
id: 5c8b6a3e-0000-4000-8000-000000000001
status: test
description: d
references: [https://example.org]
author: Ballotguard
date: 2026-11-25
modified: 2026-11-26
tags: [attack.execution, attack.t1059.001]
logsource: { category: process_creation, product: windows, definition: 'needs Sysmon' }
detection:
  selection:
    Image|endswith: '\\\\powershell.exe'
    CommandLine|contains|all: [' -enc ', 'bypass']
  keywords: [evil, worse]
  condition: selection or keywords
falsepositives: [Admins]
fields: [CommandLine]
level: high
custom_field: { anything: 1 }
`;

describe('parseRuleText', () => {
  it('parses every field of a rule into a typed AST with locations', () => {
    const result = parseRuleText(GOOD, 'good.yml');
    expect(result.issues).toEqual([]);
    const rule = result.documents[0]!;
    expect(rule.kind).toBe('rule');
    if (rule.kind !== 'rule') return;
    expect(rule).toMatchObject({
      title: 'Good rule',
      id: '5c8b6a3e-0000-4000-8000-000000000001',
      status: 'test',
      level: 'high',
      tags: ['attack.execution', 'attack.t1059.001'],
      falsepositives: ['Admins'],
      fields: ['CommandLine'],
      logsource: { category: 'process_creation', product: 'windows', definition: 'needs Sysmon' },
      custom: { custom_field: { anything: 1 } },
      location: { file: 'good.yml', line: 1, column: 1 },
    });
    const selection = rule.detection.searches.get('selection')!;
    expect(selection.location).toMatchObject({ line: 12 });
    expect(selection.alternatives[0]!.items[1]).toMatchObject({
      field: 'CommandLine',
      modifiers: ['contains', 'all'],
      values: [
        { kind: 'string', value: ' -enc ' },
        { kind: 'string', value: 'bypass' },
      ],
      location: { line: 14 },
    });
    const keywords = rule.detection.searches.get('keywords')!;
    expect(keywords.alternatives[0]!.items[0]).toMatchObject({
      field: null,
      values: [
        { kind: 'string', value: 'evil' },
        { kind: 'string', value: 'worse' },
      ],
    });
  });

  it('keeps loading the other documents of a file when one is bad, with file:line:column', () => {
    const text = `${GOOD}---
title: Broken modifier
logsource: { product: windows }
detection:
  selection:
    Image|endswithh: x
  condition: selection
---
title: Missing condition
logsource: { product: windows }
detection:
  selection: { A: 1 }
---
title: Unknown identifier
logsource: { product: windows }
detection:
  selection: { A: 1 }
  condition: selection and filter
`;
    const result = parseRuleText(text, 'multi.yml');
    expect(result.documentCount).toBe(4);
    expect(result.documents.map((document) => document.title)).toEqual(['Good rule']);
    expect(result.issues.map((issue) => [issue.code, issue.location.line, issue.rule])).toEqual([
      ['unknown-modifier', 26, 'Broken modifier'],
      ['missing-field', 32, 'Missing condition'],
      ['unknown-identifier', 38, 'Unknown identifier'],
    ]);
    expect(result.issues[0]!.message).toContain("unknown modifier 'endswithh'");
  });

  it('reports malformed YAML with its position and never throws', () => {
    const result = parseRuleText('title: x\ndetection: [unclosed\n  condition: a\n', 'bad.yml');
    expect(result.documents).toEqual([]);
    expect(result.issues[0]).toMatchObject({
      code: 'yaml-error',
      severity: 'error',
      location: { file: 'bad.yml' },
    });
    expect(result.issues[0]!.location.line).toBeGreaterThan(0);
    for (const garbage of [
      '',
      '\u0000\u0001binary',
      '- just\n- a list',
      'key: [1, 2',
      '{{{{',
      'a: &x [*x]',
    ]) {
      expect(() => parseRuleText(garbage, 'g.yml')).not.toThrow();
    }
  });

  it('rejects duplicate keys, v1 collections and aggregations with clear errors', () => {
    expect(parseRuleText('title: a\ntitle: b\n', 'd.yml').issues[0]!.code).toBe('yaml-error');
    expect(parseRuleText('action: global\ntitle: a\n', 'c.yml').issues[0]!.code).toBe(
      'unsupported-collection',
    );
    const aggregation = parseRuleText(
      'title: a\nlogsource: {product: windows}\ndetection:\n  s: {A: 1}\n  condition: s | count() > 5\n',
      'agg.yml',
    );
    expect(aggregation.issues[0]).toMatchObject({ code: 'invalid-condition', location: { line: 5 } });
    expect(aggregation.issues[0]!.message).toContain('correlation rule');
  });

  it('parses filters and correlation rules', () => {
    const result = parseRuleText(
      `title: Admin filter
logsource: { category: process_creation, product: windows }
filter:
  rules: [5c8b6a3e-0000-4000-8000-000000000001]
  selection: { User|startswith: adm_ }
  condition: selection
---
title: Many failed logons
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 1m
  condition: { gte: 10 }
level: high
`,
      'meta.yml',
    );
    expect(result.issues).toEqual([]);
    expect(result.documents[0]).toMatchObject({
      kind: 'filter',
      rules: ['5c8b6a3e-0000-4000-8000-000000000001'],
    });
    expect(result.documents[1]).toMatchObject({
      kind: 'correlation',
      correlationType: 'event_count',
      groupBy: ['TargetUserName'],
      timespan: '1m',
      condition: { gte: 10 },
    });
  });

  it('keeps numbers with their source text (hex stays recognisable) and null', () => {
    const result = parseRuleText(
      'title: n\nlogsource: {product: x}\ndetection:\n  s:\n    A: 0x10\n    B: null\n    C: 4688\n  condition: s\n',
      'n.yml',
    );
    const rule = result.documents[0]!;
    const items = rule.kind === 'rule' ? rule.detection.searches.get('s')!.alternatives[0]!.items : [];
    expect(items.map((item) => item.values[0])).toEqual([
      { kind: 'number', value: 16, raw: '0x10' },
      { kind: 'null' },
      { kind: 'number', value: 4688, raw: '4688' },
    ]);
  });
});
