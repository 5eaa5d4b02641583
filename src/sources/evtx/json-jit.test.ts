/**
 * The JSON renderers generated per template (json-jit.ts) against the interpreter they replace
 * (render-json.ts): every record must serialize to the same text (key order included) and raise the same
 * issues, on synthetic templates built to hit every shape and trap (names that are not identifiers,
 * `__proto__`, repeated and numeric keys, vanishing attributes, undecodable values, shapes left to the
 * interpreter) and on every record of the shared corpora.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedPath } from '../../../test/helpers/shared.js';
import type { Issue } from '../../issues.js';
import { decodeChunk } from './chunk.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from './format.js';
import { jitSettings, jitStats } from './json-jit.js';
import type { TRecord, TValue } from './testing.js';
import { attr, buildChunk, el, record, sub, text, v } from './testing.js';
import { VT } from './values.js';

interface Decoded {
  readonly records: string[];
  readonly issues: string[];
}

function decodeChunks(bytes: Uint8Array, starts: readonly number[]): Decoded {
  const records: string[] = [];
  const issues: string[] = [];
  for (const start of starts) {
    const length = Math.min(CHUNK_SIZE, bytes.length - start);
    decodeChunk(bytes, start, length, { path: 'x.evtx', chunkNumber: 0, fileOffset: start }, 'json', {
      record: (value, id) => records.push(`${id} ${JSON.stringify(value)}`),
      issue: (issue: Issue, skipped) => issues.push(`${skipped} ${JSON.stringify(issue)}`),
    });
  }
  return { records, issues };
}

/** Decodes with generated renderers off, then with every element compiled at its first rendering. */
function bothWays(decode: () => Decoded): { interpreted: Decoded; generated: Decoded; functions: number } {
  jitSettings.enabled = false;
  const interpreted = decode();
  jitSettings.enabled = true;
  jitSettings.threshold = 1;
  const before = jitStats.functions;
  const generated = decode();
  return { interpreted, generated, functions: jitStats.functions - before };
}

const saved = { ...jitSettings };
afterEach(() => Object.assign(jitSettings, saved));

const system = el(
  'System',
  [],
  [
    el('Provider', [attr('Name', sub(0)), attr('Guid', sub(1, true))]),
    el('EventID', [attr('Qualifiers', sub(2, true))], [sub(3)]),
    el('Level', [], [text('4')]),
    el('Task', [], [text('')]),
    el('Keywords', [], [sub(4)]),
    el('TimeCreated', [attr('SystemTime', sub(5))]),
    el('Correlation', [attr('ActivityID', sub(6, true)), attr('RelatedActivityID', sub(7, true))]),
    el('Execution', [attr('ProcessID', sub(8)), attr('ThreadID', sub(9))]),
    el('Security', [attr('UserID', sub(10, true))]),
    el('Empty'),
    el('Extra', [attr('Static', text('yes')), attr('Blank', text(''))], [sub(11)]),
    el('OutOfRange', [], [sub(40)]),
  ],
);

const eventData = el(
  'EventData',
  [],
  [
    el('Data', [attr('Name', text('CommandLine'))], [sub(12)]),
    el('Data', [attr('Name', text('Count'))], [sub(13)]),
    el('Data', [attr('Name', text(''))], [sub(14)]),
    el('Data', [attr('Name', text('CommandLine'))], [sub(15)]),
    el('Data', [attr('Name', text('#text'))], [text('literal')]),
    el('Data', [attr('Name', text('__proto__'))], [sub(16)]),
    el('Data', [attr('Name', text('7'))], [sub(17)]),
    el('Data', [attr('Name', text('Nested'))], [el('Inner', [], [sub(18)]), el('Inner', [], [text('t')])]),
    el('Data', [attr('Name', text('Attributed')), attr('Extra', sub(19))], [el('Inner')]),
  ],
);

const event = el(
  'Event',
  [attr('xmlns', text('http://schemas.microsoft.com/win/2004/08/events/event'))],
  [system, eventData],
);

/** Names that are not identifiers, collide with the renderer's own keys, or need escaping in source. */
const trickyNames = el(
  'Root',
  [attr('a"b', sub(0)), attr('__proto__', sub(1)), attr('x\\y', text('z'))],
  [
    el('a"b', [], [sub(0)]),
    el('back\\slash', [], [sub(1)]),
    el('line\nbreak\u2028\u2029', [], [sub(2)]),
    el('lone\ud800surrogate', [], [sub(3)]),
    el('__proto__', [], [sub(4)]),
    el('constructor', [], [sub(5)]),
    el('Dup', [], [sub(6)]),
    el('Dup', [], [sub(7)]),
    el('Dup_1', [], [sub(8)]),
    el('Dup', [], []),
    el('0', [], [sub(9)]),
    el('#attributes', [], [text('child')]),
    el('EventData', [], [el('Data', [], [sub(10)]), el('Other'), el('Data', [], [sub(11)])]),
    el('UserData', [], [el('Data', [attr('Name', text(''))], [sub(12)])]),
    el('EventData', [], [el('Data', [], [text('only')])]),
  ],
);

/** More than the 64 distinct child names evtx tracks for `_N` suffixes. */
const wide = el(
  'Wide',
  [],
  Array.from({ length: 140 }, (_, i) => el(`N${i % 70}`, [], i % 3 === 0 ? [sub(i % 5)] : [])),
);

/** Shapes the generator leaves to the interpreter, under and around generated parents. */
const mixed = el(
  'Event',
  [],
  [
    el('Mixed', [], [text('before'), el('B', [], [sub(0)]), sub(1)]),
    el('Text2', [], [sub(0), text(' and '), sub(1)]),
    el('Refs', [attr('R', text('a'), sub(0))], [{ t: 'charref', code: 65 }]),
    el('Entity', [], [{ t: 'entity', name: 'amp' }]),
    el('CData', [], [{ t: 'cdata', text: 'raw' }]),
    el('PI', [], [{ t: 'pi', target: 'target', data: 'data' }, el('After', [], [sub(2)])]),
    el(
      'UserData',
      [],
      [el('Data', [attr('Name', sub(3))], [sub(4)]), el('Data', [attr('Name', sub(0))], [sub(2)])],
    ),
    el('Valued', [], [el('E', [], [sub(0)]), sub(1)]),
  ],
);

const guid = (n: number): TValue => v.guid(Array.from({ length: 16 }, (_, i) => (i * 7 + n) & 0xff));

function eventValues(i: number): TValue[] {
  const empty = i % 3 === 1;
  return [
    empty ? v.str('  ') : v.str(`Provider-${i % 2}`),
    empty ? v.null() : guid(i % 2),
    i % 4 === 0 ? v.u16(i) : v.null(),
    v.u16(4624 + (i % 3)),
    v.hex64(0x8020000000000000n + BigInt(i % 2)),
    v.filetime(132000000000000000n + BigInt(i) * 10_000_001n),
    empty ? v.null() : guid(i),
    v.str(''),
    v.u32(i * 1000),
    i % 5 === 4 ? v.raw(VT.UInt32, [1, 2]) : v.u32(7),
    empty ? v.null() : i % 2 === 0 ? v.sid(1, 5, [21, i, 1001]) : v.raw(VT.Sid, [1, 5, 0]),
    i % 2 === 0 ? v.bool(true) : v.str('text'),
    v.str(`cmd.exe /c echo ${i}   `),
    i % 2 === 0 ? v.i64(-BigInt(i)) : v.strings(['a', 'b']),
    v.str('unnamed'),
    empty ? v.str('') : v.str('second'),
    v.str('proto'),
    v.u8(i & 0xff),
    i % 3 === 0 ? v.null() : v.f64(i / 3),
    i % 2 === 0 ? v.str('') : v.hex32(i),
  ];
}

function syntheticRecords(): TRecord[] {
  const out: TRecord[] = [];
  let id = 1;
  for (let i = 0; i < 12; i++) {
    out.push(record(id++, event, eventValues(i)));
    const values = eventValues(i + 1).slice(0, 13);
    out.push(record(id++, trickyNames, values));
    out.push(record(id++, wide, values.slice(0, 5)));
    out.push(record(id++, mixed, values.slice(0, 5)));
  }
  return out;
}

describe('generated JSON renderers', () => {
  it('render synthetic templates exactly as the interpreter does', () => {
    const chunk = buildChunk(syntheticRecords());
    const { interpreted, generated, functions } = bothWays(() => decodeChunks(chunk, [0]));
    expect(interpreted.records.length).toBe(48);
    expect(functions).toBeGreaterThan(0);
    expect(generated).toEqual(interpreted);
  });

  it('keep names from the file as data: `__proto__` is an own key, never the prototype', () => {
    const chunk = buildChunk(syntheticRecords().slice(0, 8));
    jitSettings.threshold = 1;
    const values: unknown[] = [];
    decodeChunk(chunk, 0, chunk.length, { path: 'x.evtx', chunkNumber: 0, fileOffset: 4096 }, 'json', {
      record: (value) => values.push(value),
      issue: () => undefined,
    });
    const root = (values[5] as { Root: Record<string, unknown> }).Root;
    expect(Object.getPrototypeOf(root)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(root, '__proto__')?.value).toBe('0x8020000000000000');
    expect(root['a"b']).toBe('Provider-0');
    expect(root['line\nbreak\u2028\u2029']).toBeNull();
    expect(root['lone\ufffdsurrogate']).toBe(4626);
    expect(root['#attributes']).toBe('child'); // a later child of that name replaces it, as in evtx_dump
    const data = (values[0] as { Event: { EventData: Record<string, unknown> } }).Event.EventData;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(data, '__proto__')?.value).toBe('proto');
    expect(Object.keys(data)).toEqual([
      '7',
      'CommandLine',
      'Count',
      '#text',
      '__proto__',
      'Nested',
      'Attributed',
    ]);
  });

  it('render every record of the shared corpora exactly as the interpreter does', (context) => {
    const roots = [sharedPath('corpora/sigma/regression_data'), sharedPath('corpora/evtx-samples')];
    if (!roots.every((r) => r.available)) {
      context.skip();
      return;
    }
    let records = 0;
    for (const file of roots.flatMap((r) => evtxFiles(r.path))) {
      const bytes = readFileSync(file);
      const starts: number[] = [];
      for (let at = FILE_HEADER_SIZE; at < bytes.length; at += CHUNK_SIZE) starts.push(at);
      const { interpreted, generated } = bothWays(() => decodeChunks(bytes, starts));
      expect(generated, file).toEqual(interpreted);
      records += interpreted.records.length;
    }
    expect(records).toBeGreaterThan(10_000);
  });
});

function evtxFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) evtxFiles(path, out);
    else if (entry.toLowerCase().endsWith('.evtx')) out.push(path);
  }
  return out;
}
