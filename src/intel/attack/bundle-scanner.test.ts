import { describe, expect, it } from 'vitest';
import { prng } from '../../../test/helpers/prng.js';
import { BundleScanner } from './bundle-scanner.js';
import type { BundleScannerOptions, ScannedLocation } from './bundle-scanner.js';

interface Scan {
  elements: { text: string; index: number; at: ScannedLocation }[];
  members: Record<string, string>;
  errors: { message: string; at: ScannedLocation; recoverable: boolean }[];
}

function scan(
  input: string | Buffer,
  chunkSizes: (() => number) | number = 1 << 16,
  options: BundleScannerOptions = {},
): Scan {
  const result: Scan = { elements: [], members: {}, errors: [] };
  const scanner = new BundleScanner(
    {
      onElement: (text, index, at) => result.elements.push({ text, index, at }),
      onMember: (key, text) => (result.members[key] = text),
      onError: (message, at, recoverable) => result.errors.push({ message, at, recoverable }),
    },
    options,
  );
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const next = typeof chunkSizes === 'number' ? () => chunkSizes : chunkSizes;
  for (let offset = 0; offset < bytes.length;) {
    const size = Math.max(1, next());
    // Fresh buffers per chunk, as read streams hand them out.
    scanner.push(Buffer.from(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  scanner.end();
  return result;
}

const BUNDLE = `{
  "type": "bundle",
  "id": "bundle--1",
  "objects": [
    {"type": "attack-pattern", "name": "has \\"quotes\\" and } braces ] and \\\\", "n": [1, {"x": [2]}]},
    {"type": "x-mitre-tactic", "name": "Ünïcödé — ✓"},
    "a string element",
    42,
    []
  ],
  "spec_version": "2.1",
  "count": 3,
  "flag": true
}
`;

describe('BundleScanner', () => {
  it('hands over each element and the other members as their own JSON text', () => {
    const result = scan(BUNDLE);
    expect(result.errors).toEqual([]);
    expect(result.elements.map((element) => JSON.parse(element.text) as unknown)).toEqual(
      (JSON.parse(BUNDLE) as { objects: unknown[] }).objects,
    );
    expect(result.elements.map((element) => element.index)).toEqual([0, 1, 2, 3, 4]);
    expect(
      Object.fromEntries(Object.entries(result.members).map(([k, v]) => [k, JSON.parse(v) as unknown])),
    ).toEqual({
      type: 'bundle',
      id: 'bundle--1',
      spec_version: '2.1',
      count: 3,
      flag: true,
    });
  });

  it('reports the line and byte offset where each element starts', () => {
    const result = scan(BUNDLE);
    for (const element of result.elements) {
      const bytes = Buffer.from(BUNDLE, 'utf8');
      expect(
        bytes
          .subarray(element.at.offset, element.at.offset + element.text.length)
          .toString('utf8')
          .startsWith(element.text.slice(0, 5)),
      ).toBe(true);
      expect(element.at.line).toBe(bytes.subarray(0, element.at.offset).toString('utf8').split('\n').length);
    }
  });

  it('gives the same result whatever the chunk boundaries (seeded random chunk sizes)', () => {
    const whole = scan(BUNDLE);
    for (let seed = 1; seed <= 40; seed++) {
      const random = prng(seed);
      const pieces = scan(BUNDLE, () => 1 + Math.floor(random() * 9));
      expect(pieces).toEqual(whole);
    }
    expect(scan(BUNDLE, 1)).toEqual(whole);
  });

  it('skips a UTF-8 byte order mark', () => {
    const result = scan(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(BUNDLE)]));
    expect(result.errors).toEqual([]);
    expect(result.elements).toHaveLength(5);
  });

  it('handles an empty objects array and a bundle without one', () => {
    expect(scan('{"type":"bundle","objects":[]}')).toEqual({
      elements: [],
      members: { type: '"bundle"' },
      errors: [],
    });
    expect(scan('{"type":"bundle"}')).toEqual({ elements: [], members: { type: '"bundle"' }, errors: [] });
  });

  it('rejects a document that is not an object, with its position', () => {
    const result = scan('\n\n[1, 2]');
    expect(result.errors).toEqual([
      {
        message: "expected a JSON object ('{') at the start, found '['",
        at: { line: 3, offset: 2 },
        recoverable: false,
      },
    ]);
    expect(scan('').errors[0]?.message).toMatch(/empty/);
  });

  it('reports a truncated document where the cut element starts', () => {
    const cut = BUNDLE.slice(0, BUNDLE.indexOf('Ünïcödé'));
    const result = scan(cut);
    expect(result.elements).toHaveLength(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.message).toMatch(/ends inside element 1 of "objects"/);
    expect(result.errors[0]!.at.line).toBe(6);
    expect(result.errors[0]!.recoverable).toBe(false);
  });

  it('reports data after the top-level object', () => {
    const result = scan('{"objects": [{"a": 1}]}\n{"objects": []}');
    expect(result.elements).toHaveLength(1);
    expect(result.errors.map((error) => [error.message, error.at.line])).toEqual([
      ["unexpected '{' after the end of the top-level object", 2],
    ]);
  });

  it('skips an oversized element, says so, and goes on', () => {
    const big = `{"objects": [{"a": "${'x'.repeat(200)}"}, {"b": 2}]}`;
    const result = scan(big, 7, { maxElementBytes: 100 });
    expect(result.elements.map((element) => [element.text, element.index])).toEqual([['{"b": 2}', 1]]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ recoverable: true });
    expect(result.errors[0]!.message).toMatch(/element 0 of "objects" is larger than 100 bytes/);
  });

  it('rejects garbage where a member name should be', () => {
    const result = scan('{"type": "bundle", oops}');
    expect(result.errors[0]!.message).toMatch(/expected a member name/);
    expect(result.errors[0]!.at.offset).toBe(19);
  });

  it('decodes escaped member names', () => {
    const result = scan('{"ob\\u006aects": [{"a": 1}], "k\\"ey": 1}');
    expect(result.elements).toHaveLength(1);
    expect(result.members).toEqual({ 'k"ey': '1' });
  });
});
