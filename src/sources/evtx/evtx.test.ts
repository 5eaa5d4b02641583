import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Issue } from '../../issues.js';
import { decodeChunk } from './chunk.js';
import type { EvtxOutput } from './chunk.js';
import { crc32, crc32Portable, parseFileHeader, sniffEvtx } from './format.js';
import { decodeEvtxFile } from './index.js';
import { attr, buildChunk, buildEvtx, el, record, sub, text, v } from './testing.js';
import type { TNode, TRecord, TValue } from './testing.js';
import { fileTimeText } from './values.js';

function decode(records: TRecord[], output: EvtxOutput = 'json'): { values: unknown[]; issues: Issue[] } {
  const chunk = buildChunk(records);
  const values: unknown[] = [];
  const issues: Issue[] = [];
  decodeChunk(chunk, 0, chunk.length, { path: 'x.evtx', chunkNumber: 0, fileOffset: 4096 }, output, {
    record: (value) => values.push(value),
    issue: (issue) => issues.push(issue),
  });
  return { values, issues };
}

/** The EventData of one record whose template is `<Event><EventData><Data Name=…>{i}</Data>…`. */
function eventData(values: TValue[]): unknown {
  const data = values.map((_, i) => el('Data', [attr('Name', text(`V${i}`))], [sub(i)]));
  const { values: out, issues } = decode([record(1, el('Event', [], [el('EventData', [], data)]), values)]);
  expect(issues).toEqual([]);
  return (out[0] as { Event: { EventData: unknown } }).Event.EventData;
}

const tmp = mkdtempSync(join(tmpdir(), 'evtx-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function decodeFile(
  bytes: Uint8Array,
): Promise<{ values: unknown[]; issues: Issue[]; readable: boolean }> {
  const path = join(tmp, `f${Math.random().toString(36).slice(2)}.evtx`);
  writeFileSync(path, bytes);
  const values: unknown[] = [];
  const issues: Issue[] = [];
  const result = await decodeEvtxFile(
    path,
    'json',
    (value) => values.push(value),
    (issue) => issues.push(issue),
  );
  return { values, issues, readable: result.readable };
}

const simple = (id: number): TRecord =>
  record(id, el('Event', [], [el('System', [], [el('EventRecordID', [], [sub(0)])])]), [v.u64(BigInt(id))]);

describe('BinXml value types (as evtx_dump writes them)', () => {
  it('writes integers and booleans as JSON numbers and booleans', () => {
    expect(
      eventData([
        v.i8(-5),
        v.u8(200),
        v.i16(-300),
        v.u16(65535),
        v.i32(-70000),
        v.u32(4294967295),
        v.i64(-5n),
        v.u64(2n ** 40n),
        v.bool(true),
        v.bool(false),
      ]),
    ).toEqual({
      V0: -5,
      V1: 200,
      V2: -300,
      V3: 65535,
      V4: -70000,
      V5: 4294967295,
      V6: -5,
      V7: 2 ** 40,
      V8: true,
      V9: false,
    });
  });

  it('rounds 64-bit integers beyond 2^53 as JSON.parse would', () => {
    expect(eventData([v.u64(18446744073709551615n)])).toEqual({
      V0: JSON.parse('18446744073709551615') as number,
    });
  });

  it('writes strings, ANSI strings, hex, floats, GUIDs, SIDs, binary and sizes as strings', () => {
    expect(
      eventData([
        v.str('C:\\Windows\\cmd.exe  '),
        v.ansi('caf\xe9\x80'),
        v.hex32(0x3e7),
        v.hex64(0x8000000000000000n),
        v.f32(0.1),
        v.f64(1.5),
        v.guid([
          0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43, 0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9,
        ]),
        v.sid(1, 5, [21, 1, 2, 500]),
        v.binary([0x00, 0xab, 0x10]),
        v.sizeT(0x10),
      ]),
    ).toEqual({
      V0: 'C:\\Windows\\cmd.exe',
      V1: 'café€',
      V2: '0x3e7',
      V3: '0x8000000000000000',
      V4: '0.1',
      V5: '1.5',
      V6: '5770385F-C22A-43E0-BF4C-06F5698FFBD9',
      V7: 'S-1-5-21-1-2-500',
      V8: '00AB10',
      V9: '0x10',
    });
  });

  it('writes FILETIME and SYSTEMTIME as ISO 8601 truncated to microseconds', () => {
    expect(
      eventData([
        v.filetime(132000000001234567n),
        v.systime([2019, 3, 2, 19, 23, 34, 26, 531]),
        v.filetime(0n),
      ]),
    ).toEqual({
      V0: '2019-04-17T18:40:00.123456Z',
      V1: '2019-03-19T23:34:26.531000Z',
      V2: '1601-01-01T00:00:00.000000Z',
    });
    const dv = new DataView(new BigUint64Array([0x7fffffffffffffffn]).buffer);
    expect(fileTimeText(dv, 0)).toBe('30828-09-14T02:48:05.477580Z');
  });

  it('joins arrays with commas and cuts strings at the first NUL', () => {
    expect(eventData([v.strings(['a', 'b c']), v.u16s([1, 2, 3]), v.str('abc\0def')])).toEqual({
      V0: 'a,b c',
      V1: '1,2,3',
      V2: 'abc',
    });
  });

  it('writes an empty named Data as "" and an empty element as null', () => {
    expect(eventData([v.str(''), v.null()])).toEqual({ V0: '', V1: '' });
    const { values } = decode([
      record(1, el('Event', [], [el('Correlation', [attr('ActivityID', sub(0, true))])]), [v.null()]),
    ]);
    expect(values[0]).toEqual({ Event: { Correlation: null } });
  });

  it('replaces unpaired surrogates by U+FFFD and reports it', () => {
    const { values, issues } = decode([
      record(1, el('Event', [], [el('Data', [], [sub(0)])]), [
        v.raw(0x01, [0x41, 0x00, 0x00, 0xd8, 0x42, 0x00]),
      ]),
    ]);
    expect(values[0]).toEqual({ Event: { Data: 'A\ufffdB' } });
    expect(issues.map((i) => i.code)).toEqual(['evtx-bad-value']);
  });
});

describe('JSON shape', () => {
  it('puts attributes under #attributes and text under #text', () => {
    const template = el(
      'Event',
      [attr('xmlns', text('urn:x'))],
      [el('EventID', [attr('Qualifiers', sub(1))], [sub(0)]), el('Level', [], [sub(2)])],
    );
    const { values } = decode([record(1, template, [v.u16(4624), v.u16(16384), v.u8(0)])]);
    expect(values[0]).toEqual({
      Event: {
        '#attributes': { xmlns: 'urn:x' },
        EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 4624 },
        Level: 0,
      },
    });
  });

  it('suffixes repeated names in document order and gathers unnamed Data', () => {
    const headers: TNode = el(
      'Info',
      [],
      [el('Header', [], [text('A')]), el('Header', [], [text('B')]), el('Header', [], [text('C')])],
    );
    const data: TNode = el('EventData', [], [el('Data', [], [sub(0)]), el('Data', [], [sub(1)])]);
    const { values } = decode([record(1, el('Event', [], [headers, data]), [v.str('x'), v.u32(7)])]);
    expect(values[0]).toEqual({
      Event: {
        Info: { Header: 'A', Header_1: 'B', Header_2: 'C' },
        EventData: { Data: { '#text': ['x', 7] } },
      },
    });
  });

  it('drops optional substitutions with empty values and keeps references as text', () => {
    const template = el(
      'Event',
      [],
      [
        el('A', [], [text('x'), sub(0, true), { t: 'charref', code: 65 }, { t: 'entity', name: 'amp' }]),
        el('B', [], [{ t: 'cdata', text: '<raw>' }]),
      ],
    );
    const { values } = decode([record(1, template, [v.str('')])]);
    expect(values[0]).toEqual({ Event: { A: 'x&#65;&amp;', B: '<raw>' } });
  });

  it('keeps a key named __proto__ as data', () => {
    const { values } = decode([
      record(
        1,
        el('Event', [], [el('EventData', [], [el('Data', [attr('Name', text('__proto__'))], [text('x')])])]),
        [],
      ),
    ]);
    const event = (values[0] as { Event: { EventData: Record<string, unknown> } }).Event.EventData;
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(event, '__proto__')?.value).toBe('x');
  });

  it('renders XML like evtx_dump', () => {
    const template = el(
      'Event',
      [attr('xmlns', text('urn:x'))],
      [
        el('EventID', [], [sub(0)]),
        el('Security', [attr('UserID', sub(1, true))]),
        el('Text', [], [text('a<b')]),
      ],
    );
    const { values } = decode([record(1, template, [v.u16(1), v.null()])], 'xml');
    expect(values[0]).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<Event xmlns="urn:x">\n  <EventID>1</EventID>\n  <Security>\n  </Security>\n  <Text>a&lt;b</Text>\n</Event>\n',
    );
  });
});

describe('container: file header, chunks, records', () => {
  it('computes CRC-32 like the portable implementation', () => {
    const data = Buffer.from('123456789');
    expect(crc32(data)).toBe(0xcbf43926);
    expect(crc32Portable(data)).toBe(0xcbf43926);
  });

  it('parses the file header and sniffs the signature', () => {
    const file = buildEvtx([[simple(1)], [simple(2)]]);
    const header = parseFileHeader(file);
    expect(header).toMatchObject({
      magicOk: true,
      chunkCount: 2,
      majorVersion: 3,
      checksumOk: true,
      flags: 0,
    });
    expect(sniffEvtx(file)).toBe(true);
    expect(sniffEvtx(Buffer.from('{"Event": {}}'))).toBe(false);
  });

  it('reads every chunk of a file, reusing templates across chunks', async () => {
    const { values, issues } = await decodeFile(buildEvtx([[simple(1), simple(2)], [simple(3)]]));
    expect(issues).toEqual([]);
    expect(
      values.map((e) => (e as { Event: { System: { EventRecordID: number } } }).Event.System.EventRecordID),
    ).toEqual([1, 2, 3]);
  });

  it('reads chunks beyond a stale header count and reports the dirty header', async () => {
    const file = buildEvtx([[simple(1)], [simple(2)], [simple(3)]], { dirty: true });
    const dv = new DataView(file.buffer);
    dv.setUint16(42, 1, true);
    dv.setUint32(124, crc32(file.subarray(0, 120)), true);
    const { values, issues } = await decodeFile(file);
    expect(values).toHaveLength(3);
    expect(issues.map((i) => [i.code, i.severity])).toEqual([
      ['evtx-bad-file-header', 'warning'],
      ['evtx-bad-file-header', 'warning'],
    ]);
  });

  it('reports a checksum mismatch and still reads the records', async () => {
    const file = buildEvtx([[simple(1), simple(2)]]);
    file[4096 + 60] = file[4096 + 60]! ^ 0xff; // inside the chunk header, outside every field we use
    const { values, issues } = await decodeFile(file);
    expect(values).toHaveLength(2);
    expect(issues.map((i) => i.code)).toEqual(['evtx-checksum']);
    expect(issues[0]!.location).toMatchObject({
      file: expect.stringMatching(/\.evtx$/) as unknown,
      offset: 4096,
    });
  });

  it('skips a damaged record with its location and reads the next one', async () => {
    const file = buildEvtx([[simple(1), simple(2), simple(3)]]);
    // Break the second record's BinXml: an unknown token right after its fragment header.
    const chunk = buildChunk([simple(1)]);
    const secondRecord = 4096 + new DataView(chunk.buffer).getUint32(48, true);
    file[secondRecord + 28] = 0x3f;
    const { values, issues } = await decodeFile(file);
    expect(values).toHaveLength(2);
    const bad = issues.filter((i) => i.code === 'evtx-bad-record');
    expect(bad).toHaveLength(1);
    expect(bad[0]!.location).toMatchObject({ record: 2 });
    expect(bad[0]!.message).toMatch(/chunk 0: record 2: unknown BinXml token 0x3f/);
  });

  it('reads what is there in a chunk cut off by the end of the file', async () => {
    const file = buildEvtx([[simple(1), simple(2)]]);
    const chunk = buildChunk([simple(1)]);
    const end = 4096 + new DataView(chunk.buffer).getUint32(48, true) + 10;
    const { values, issues } = await decodeFile(file.subarray(0, end));
    expect(values).toHaveLength(1);
    expect(issues.map((i) => i.code)).toContain('evtx-truncated-chunk');
  });

  it('rejects a file that is not EVTX, and one that is empty', async () => {
    const notEvtx = await decodeFile(Buffer.from('x'.repeat(10000)));
    expect(notEvtx.values).toEqual([]);
    expect(notEvtx.issues.map((i) => [i.code, i.severity])).toEqual([['evtx-bad-file-header', 'error']]);
    const empty = await decodeFile(new Uint8Array(0));
    expect(empty.issues.map((i) => i.code)).toEqual(['empty-file']);
  });

  it('bounds nesting: a record whose template refers to itself is skipped, not looped', () => {
    const chunk = buildChunk([simple(1)]);
    const dv = new DataView(chunk.buffer);
    // Make the record's template-instance point at the record itself (not a template definition).
    const instanceOffset = 512 + 24 + 4;
    dv.setUint32(instanceOffset + 6, 512, true);
    const issues: Issue[] = [];
    decodeChunk(chunk, 0, chunk.length, { path: 'x.evtx', chunkNumber: 0, fileOffset: 4096 }, 'json', {
      record: () => undefined,
      issue: (issue) => issues.push(issue),
    });
    expect(issues.some((i) => i.code === 'evtx-bad-record')).toBe(true);
  });
});
