/**
 * Differential test of the three framers: random documents built from known records, pushed in random
 * chunk sizes into random batch sizes and limits, must give back exactly the records they were built from
 * (text, line, offset, number) and a record-too-large issue for each one over the limit.
 */
import { describe, expect, test } from 'vitest';
import type { Issue } from '../../issues.js';
import { issueKeys, recordsOf } from '../testing.js';
import type { FramedRecord } from '../testing.js';
import { BatchBuilder } from './batch-builder.js';
import { createFramer } from './read-json.js';
import type { JsonFormatName } from './sniff.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(random: () => number, depth = 0): unknown {
  const r = random();
  if (depth > 3 || r < 0.3) return Math.floor(random() * 1000);
  if (r < 0.55) {
    const alphabet = 'ab"\\{}[],: é\t\n€';
    let s = '';
    const n = Math.floor(random() * (random() < 0.1 ? 300 : 12));
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(random() * alphabet.length)];
    return s;
  }
  if (r < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(random() * 4); i > 0; i--)
    o[`k${i}${random() < 0.2 ? '}' : ''}`] = randomValue(random, depth + 1);
  return o;
}

interface Expected {
  readonly records: { text: string; line: number; offset: number }[];
  readonly tooLarge: { line: number }[];
}

/** Builds a document of `format` and what framing it must give, with `max` as the record limit. */
function buildDocument(
  format: JsonFormatName,
  random: () => number,
  max: number,
): { doc: Buffer; expected: Expected } {
  let text = '';
  const records: Expected['records'] = [];
  const tooLarge: Expected['tooLarge'] = [];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const position = () => ({ line: 1 + (text.match(/\n/g)?.length ?? 0), offset: Buffer.byteLength(text) });
  const count = 1 + Math.floor(random() * 25);
  if (format === 'json-array') text += pick(['[', ' [\n', '[\r\n  ']);
  for (let i = 0; i < count; i++) {
    const value = { n: i, v: randomValue(random) };
    const pretty = format === 'json-concat' && random() < 0.5;
    const recordText = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
    if (format === 'ndjson') text += pick(['', '', ' ', '\t', '\n', '\r\n', '  \n']);
    if (format === 'json-concat')
      text += pretty && text.length > 0 && !text.endsWith('\n') ? '\n' : pick(['', ' ', '\n', ',\n']);
    if (format === 'json-array') text += i === 0 ? pick(['', ' ', '\n ']) : pick([',', ', ', ',\n  ', '\n,']);
    const at = position();
    text += recordText;
    // NDJSON: trailing spaces before the newline stay in the record (JSON.parse ignores them).
    const end = format === 'ndjson' && (i < count - 1 || random() < 0.7) ? pick(['\n', '\r\n', '  \n']) : '';
    const framed = end === '  \n' ? `${recordText}  ` : recordText;
    text += end;
    if (Buffer.byteLength(framed) > max) tooLarge.push({ line: at.line });
    else records.push({ text: framed, ...at });
  }
  if (format === 'json-array') text += pick([']', '\n]\n', ' ]']);
  return { doc: Buffer.from(text), expected: { records, tooLarge } };
}

function frame(
  format: JsonFormatName,
  doc: Buffer,
  chunkSizes: () => number,
  batchBytes: number,
  max: number,
) {
  const issues: Issue[] = [];
  const builder = new BatchBuilder({
    path: 'doc',
    format,
    maxRecordBytes: max,
    batchBytes,
    onIssue: (i) => issues.push(i),
  });
  const framer = createFramer(format, builder);
  const records: FramedRecord[] = [];
  const take = () => {
    for (const batch of builder.take()) {
      expect(batch.bytes.byteOffset).toBe(0);
      expect(batch.bytes.byteLength).toBe(batch.bytes.buffer.byteLength);
      records.push(...recordsOf(batch));
    }
  };
  for (let at = 0; at < doc.length;) {
    const n = Math.min(doc.length - at, chunkSizes());
    // A fresh copy each time, overwritten after the push: framers must not keep a chunk.
    const chunk = Buffer.from(doc.subarray(at, at + n));
    framer.push(chunk);
    chunk.fill(0x23);
    take();
    at += n;
  }
  framer.end(true);
  take();
  return { records, issues };
}

describe.each(['ndjson', 'json-concat', 'json-array'] as const)('%s framer', (format) => {
  test('gives back exactly the records a random document was built from, however it is chunked', () => {
    const random = rng(format.length * 7919);
    for (let round = 0; round < 300; round++) {
      const max = 20 + Math.floor(random() * 300);
      const { doc, expected } = buildDocument(format, random, max);
      const maxChunk = 1 + Math.floor(random() * 200);
      const batchBytes = 1 + Math.floor(random() * 600);
      const { records, issues } = frame(
        format,
        doc,
        () => 1 + Math.floor(random() * maxChunk),
        batchBytes,
        max,
      );
      const context = { round, max, maxChunk, batchBytes, doc: doc.toString() };
      expect({
        ...context,
        records: records.map(({ text, line, offset }) => ({ text, line, offset })),
      }).toEqual({
        ...context,
        records: expected.records,
      });
      expect(records.map((r) => r.record)).toEqual(expected.records.map((_, i) => i + 1));
      expect({ ...context, issues: issueKeys(issues) }).toEqual({
        ...context,
        issues: expected.tooLarge.map((t) => `record-too-large@${t.line}`),
      });
    }
  });
});
