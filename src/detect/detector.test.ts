import { describe, expect, it } from 'vitest';
import { flatRule } from '../../test/helpers/engine.js';
import { defaultMapping } from '../mapping/mapping.js';
import { parseRuleText } from '../sigma/parse/parse-rules.js';
import type { JsonTextBatch } from '../sources/types.js';
import { Detector } from './detector.js';

function batchOf(lines: string[]): JsonTextBatch {
  const encoded = lines.map((line) => Buffer.from(line));
  const bytes = new Uint8Array(Buffer.concat(encoded));
  const starts: number[] = [];
  const ends: number[] = [];
  let offset = 0;
  for (const line of encoded) {
    starts.push(offset);
    offset += line.length;
    ends.push(offset);
  }
  return {
    kind: 'json-text',
    path: 'mem.ndjson',
    format: 'ndjson',
    bytes,
    starts: Uint32Array.from(starts),
    ends: Uint32Array.from(ends),
    lines: Uint32Array.from(lines.map((_, index) => index + 1)),
    offsets: Float64Array.from(starts),
    firstRecord: 1,
  };
}

describe('Detector.processBatch', () => {
  const parsed = parseRuleText(flatRule("keywords:\n  - 'needle'", 'keywords'), 'k.yml');
  const detector = new Detector({
    sources: [{ path: 'k.yml', documents: parsed.documents }],
    mapping: defaultMapping(),
    placeholders: [],
    minLevel: 'informational',
  });

  it('counts events and skipped records, and places alerts at their file, line and record', () => {
    const result = detector.processBatch(
      batchOf(['{"msg":"hay"}', 'not json', '[1,2]', '{"msg":"a needle"}']),
    );
    expect(result.events).toBe(2);
    expect(result.skipped).toBe(2);
    expect(result.issues.map((issue) => [issue.code, issue.location.line])).toEqual([
      ['json-parse-error', 2],
      ['not-an-object', 3],
    ]);
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]!.source).toMatchObject({ path: 'mem.ndjson', line: 4, record: 4 });
    expect(result.alerts[0]!.rule).toMatchObject({
      id: '11111111-1111-4111-8111-111111111111',
      level: 'high',
    });
  });

  it('survives a hostile, deeply nested event that matches: the alert carries a marker instead', () => {
    const deep = `${'{"a":'.repeat(50_000)}"needle"${'}'.repeat(50_000)}`;
    const result = detector.processBatch(batchOf([deep]));
    expect(result.events).toBe(1);
    // The keyword walk is bounded at 64 levels, so the needle 50,000 levels down is not reached...
    expect(result.alerts).toHaveLength(0);
    // ...but one within reach is, and the alert stays serialisable.
    const shallowNeedleDeepTail = `{"msg":"needle","tail":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const second = detector.processBatch(batchOf([shallowNeedleDeepTail]));
    expect(second.alerts).toHaveLength(1);
    expect(() => JSON.stringify(second.alerts[0])).not.toThrow();
    expect(JSON.stringify(second.alerts[0]!.event)).toContain('nested deeper than');
  });
});
