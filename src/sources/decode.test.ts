import { describe, expect, test } from 'vitest';
import { decodeRecord } from './decode.js';
import type { JsonTextBatch } from './types.js';

/** A batch as a framer would build it: records back to back, separated by a newline. */
function batchOf(records: (string | Uint8Array)[], firstRecord = 1, firstLine = 1): JsonTextBatch {
  const parts = records.map((r) => (typeof r === 'string' ? Buffer.from(r) : Buffer.from(r)));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  const starts = new Uint32Array(parts.length);
  const ends = new Uint32Array(parts.length);
  const lines = new Uint32Array(parts.length);
  const offsets = new Float64Array(parts.length);
  let at = 0;
  let line = firstLine;
  parts.forEach((p, i) => {
    bytes.set(p, at);
    starts[i] = at;
    ends[i] = at + p.length;
    lines[i] = line;
    offsets[i] = at + 100;
    at += p.length;
    bytes[at++] = 0x0a;
    line += 1 + p.filter((c) => c === 0x0a).length;
  });
  return {
    kind: 'json-text',
    path: 'logs/x.json',
    format: 'ndjson',
    bytes,
    starts,
    ends,
    lines,
    offsets,
    firstRecord,
  };
}

describe('decodeRecord', () => {
  test('objects decode to their values', () => {
    const batch = batchOf(['{"a":1}', '{"Event":{"System":{"EventID":4688}}}', ' {"s":"é\\u00e9"} ']);
    expect([0, 1, 2].map((i) => decodeRecord(batch, i))).toEqual([
      { ok: true, value: { a: 1 } },
      { ok: true, value: { Event: { System: { EventID: 4688 } } } },
      { ok: true, value: { s: 'éé' } },
    ]);
  });

  test('invalid JSON is json-parse-error with file, line, column, offset and record number', () => {
    const batch = batchOf(['{"a":1}', '{"a":}', '{"a":1', '{"a":1}x'], 40, 7);
    const issues = [1, 2, 3].map((i) => {
      const r = decodeRecord(batch, i);
      expect(r.ok).toBe(false);
      return r.ok ? undefined : r.issue;
    });
    expect(issues.map((i) => i?.code)).toEqual(['json-parse-error', 'json-parse-error', 'json-parse-error']);
    expect(issues[0]!.location).toEqual({ file: 'logs/x.json', line: 8, offset: 108, record: 41 });
    expect(issues[1]!.location).toEqual({ file: 'logs/x.json', line: 9, column: 7, offset: 121, record: 42 });
    expect(issues[2]!.location).toEqual({
      file: 'logs/x.json',
      line: 10,
      column: 8,
      offset: 129,
      record: 43,
    });
    expect(issues[2]!.message).toMatch(/^invalid JSON: Unexpected non-whitespace character after JSON/);
  });

  test('the error position inside a pretty-printed record is its own line and column', () => {
    const batch = batchOf(['{\n  "a": 1,\n  "b": oops\n}'], 3, 12);
    const r = decodeRecord(batch, 0);
    expect(r.ok ? undefined : r.issue.location).toEqual({
      file: 'logs/x.json',
      line: 14,
      column: 8,
      offset: 100 + '{\n  "a": 1,\n  "b": '.length,
      record: 3,
    });
  });

  test('control characters from the data are escaped in messages', () => {
    const batch = batchOf([Buffer.from([0x01, 0x1b, 0x5b, 0x32, 0x4a])]);
    const r = decodeRecord(batch, 0);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issue.message).toContain('\\x01\\x1b[2J');
      expect(r.issue.message).not.toMatch(/[\u0000-\u001f]/);
    }
  });

  test('values that are not objects are not-an-object, naming the kind', () => {
    const batch = batchOf(['[1,2]', '"text"', '42', 'true', 'null']);
    const results = [0, 1, 2, 3, 4].map((i) => decodeRecord(batch, i));
    expect(results.map((r) => (r.ok ? 'ok' : r.issue.code))).toEqual(Array(5).fill('not-an-object'));
    expect(results.map((r) => (r.ok ? '' : r.issue.message))).toEqual([
      'the record is an array, not a JSON object; skipped',
      'the record is a string, not a JSON object; skipped',
      'the record is a number, not a JSON object; skipped',
      'the record is a boolean, not a JSON object; skipped',
      'the record is null, not a JSON object; skipped',
    ]);
    expect(results[2]!.ok ? undefined : results[2]!.issue.location).toEqual({
      file: 'logs/x.json',
      line: 3,
      offset: 100 + 6 + 7,
      record: 3,
    });
  });

  test('invalid UTF-8 is replaced with U+FFFD and the record kept, with an invalid-utf8 warning', () => {
    const bad = Buffer.concat([Buffer.from('{"u":"a'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('b"}')]);
    const batch = batchOf(['{"ok":"é"}', bad, '{"also":"fine"}', '{"real":"\uFFFD"}']);
    const results = [0, 1, 2, 3].map((i) => decodeRecord(batch, i));
    expect(results[0]).toEqual({ ok: true, value: { ok: 'é' } });
    expect(results[1]).toEqual({
      ok: true,
      value: { u: 'a\uFFFD(\uFFFDb' },
      warning: {
        code: 'invalid-utf8',
        severity: 'warning',
        message:
          'the record holds bytes that are not valid UTF-8; they were replaced by U+FFFD and the record kept',
        location: { file: 'logs/x.json', line: 2, offset: 112, record: 2 },
      },
    });
    // Valid records of a batch that holds an invalid one get no warning, nor does a genuine U+FFFD.
    expect(results[2]).toEqual({ ok: true, value: { also: 'fine' } });
    expect(results[3]).toEqual({ ok: true, value: { real: '\uFFFD' } });
  });

  test('switching between batches does not reuse the previous batch bytes', () => {
    const first = batchOf(['{"batch":1}']);
    const second = batchOf(['{"batch":2}', Buffer.from([0x7b, 0xff, 0x7d])]);
    expect(decodeRecord(first, 0)).toEqual({ ok: true, value: { batch: 1 } });
    expect(decodeRecord(second, 0)).toEqual({ ok: true, value: { batch: 2 } });
    expect(decodeRecord(first, 0)).toEqual({ ok: true, value: { batch: 1 } });
    expect(decodeRecord(second, 1).ok).toBe(false);
  });

  test('100k levels of nesting decode', () => {
    const depth = 100_000;
    const batch = batchOf([`{"d":${'['.repeat(depth)}${']'.repeat(depth)}}`]);
    const r = decodeRecord(batch, 0);
    expect(r.ok).toBe(true);
  });

  test('an index outside the batch is a programming error', () => {
    expect(() => decodeRecord(batchOf(['{}']), 1)).toThrow(RangeError);
  });
});
