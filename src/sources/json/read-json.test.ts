/**
 * Every JSON shape users have, plain and gzip, read with many chunk and batch sizes: the records, their
 * lines, offsets and numbers, and the issues must not depend on where chunks happen to split.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sharedPath } from '../../../test/helpers/shared.js';
import { collect, collectingOptions, issueKeys } from '../testing.js';
import type { FramedRecord } from '../testing.js';
import type { JsonFormatName } from './sniff.js';
import { readJsonFile } from './read-json.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bg-json-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

type Shape = Pick<FramedRecord, 'text' | 'line' | 'offset' | 'record'>;

async function read(
  path: string,
  format: JsonFormatName | 'auto' = 'auto',
  overrides: Parameters<typeof collectingOptions>[0] = {},
): Promise<{ records: Shape[]; formats: string[]; issues: string[]; batches: number }> {
  const { options, issues } = collectingOptions(overrides);
  const { records, batches } = await collect(readJsonFile(path, options, format));
  return {
    records: records.map(({ text, line, offset, record }) => ({ text, line, offset, record })),
    formats: [...new Set(records.map((r) => r.format))],
    issues: issueKeys(issues),
    batches: batches.length,
  };
}

const ALL_CHUNK_SIZES = [1, 2, 3, 7, 64, 4096];
/** For files of several KB, where one-byte reads would only make the test slow. */
const LARGER_CHUNK_SIZES = [3, 61, 4096];

/** Reads with tiny to default chunk and batch sizes and checks that all agree; returns the default read. */
async function readEverySize(
  path: string,
  format: JsonFormatName | 'auto' = 'auto',
  chunkSizes = ALL_CHUNK_SIZES,
) {
  const reference = await read(path, format);
  for (const chunkBytes of chunkSizes) {
    for (const batchBytes of [1, 16, 100_000]) {
      const other = await read(path, format, { chunkBytes, batchBytes });
      expect({ chunkBytes, batchBytes, ...other, batches: 0 }).toEqual({
        chunkBytes,
        batchBytes,
        ...reference,
        batches: 0,
      });
    }
  }
  return reference;
}

const rec = (text: string, line: number, offset: number, record: number): Shape => ({
  text,
  line,
  offset,
  record,
});

describe('NDJSON', () => {
  const content = '{"a":1}\r\n\r\n  {"b":"x\\ny"}\n \t \n{"c":[1,{"d":2}]}\n{"e":"é"}';

  test('lines, CRLF, blank and indented lines, no final newline', async () => {
    const path = await fixture('mixed.ndjson', content);
    const r = await readEverySize(path);
    expect(r.formats).toEqual(['ndjson']);
    expect(r.issues).toEqual([]);
    expect(r.records).toEqual([
      rec('{"a":1}', 1, 0, 1),
      rec('{"b":"x\\ny"}', 3, 13, 2),
      rec('{"c":[1,{"d":2}]}', 5, 30, 3),
      rec('{"e":"é"}', 6, 48, 4),
    ]);
  });

  test('gzip of the same content gives the same records, as ndjson+gzip', async () => {
    const path = await fixture('mixed.ndjson.gz', gzipSync(content));
    const plain = await read(await fixture('mixed2.ndjson', content));
    const r = await readEverySize(path);
    expect(r.formats).toEqual(['ndjson+gzip']);
    expect(r.records).toEqual(plain.records);
    expect(r.issues).toEqual([]);
  });

  test('a UTF-8 byte-order mark is skipped; offsets still count it', async () => {
    const path = await fixture(
      'bom.ndjson',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":2}\n')]),
    );
    const r = await readEverySize(path);
    expect(r.records).toEqual([rec('{"a":1}', 1, 3, 1), rec('{"b":2}', 2, 11, 2)]);
  });

  test('many records fill several batches with consecutive record numbers', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `{"n":${i}}`);
    const path = await fixture('many.ndjson', lines.join('\n') + '\n');
    const r = await read(path, 'auto', { batchBytes: 4096 });
    expect(r.batches).toBeGreaterThan(5);
    expect(r.records.map((x) => x.text)).toEqual(lines);
    expect(r.records.map((x) => x.record)).toEqual(lines.map((_, i) => i + 1));
    expect(r.records.map((x) => x.line)).toEqual(lines.map((_, i) => i + 1));
  });
});

describe('JSON array', () => {
  const content = '[\n {"a":1},\n {"b":[1,"]"]}, "s\\"]", 42 ,\n{"c":"x\\\\"}\n , null]\n';

  test('elements at depth 1 are records, with brackets and escapes inside strings', async () => {
    const path = await fixture('array.json', content);
    const r = await readEverySize(path);
    expect(r.formats).toEqual(['json-array']);
    expect(r.issues).toEqual([]);
    expect(r.records).toEqual([
      rec('{"a":1}', 2, 3, 1),
      rec('{"b":[1,"]"]}', 3, 13, 2),
      rec('"s\\"]"', 3, 28, 3),
      rec('42', 3, 36, 4),
      rec('{"c":"x\\\\"}', 4, 41, 5),
      rec('null', 5, 56, 6),
    ]);
  });

  test('a compact one-line array and its gzip', async () => {
    const compact = JSON.stringify([{ a: 1 }, { b: 2 }, { c: { d: [3] } }]);
    const plain = await readEverySize(await fixture('compact.json', compact));
    expect(plain.records.map((x) => x.text)).toEqual(['{"a":1}', '{"b":2}', '{"c":{"d":[3]}}']);
    const gz = await readEverySize(await fixture('compact.json.gz', gzipSync(compact)));
    expect(gz.formats).toEqual(['json-array+gzip']);
    expect(gz.records).toEqual(plain.records);
  });

  test('an empty array has no records and no issue', async () => {
    const r = await read(await fixture('empty-array.json', '[ ]\n'));
    expect(r.records).toEqual([]);
    expect(r.issues).toEqual([]);
  });

  test('an unterminated array keeps its complete elements', async () => {
    const r = await readEverySize(await fixture('unterminated.json', '[{"a":1},\n{"b":2}\n'));
    expect(r.records.map((x) => x.text)).toEqual(['{"a":1}', '{"b":2}']);
    expect(r.issues).toEqual(['unterminated-array@1']);
  });

  test('bytes after the closing bracket are reported', async () => {
    const r = await readEverySize(await fixture('after.json', '[{"a":1}]\ntrailing words\n'));
    expect(r.records.map((x) => x.text)).toEqual(['{"a":1}']);
    expect(r.issues).toEqual(['skipped-data@2']);
  });
});

describe('concatenated JSON (evtx_dump)', () => {
  const content = '{\n  "a": {\n    "b": "}{"\n  }\n}\n{\n  "c": [\n    1\n  ]\n}\n{"d":1}{"e":2}\n';

  test('pretty-printed objects one after another, and compact ones on one line', async () => {
    const path = await fixture('concat.json', content);
    const r = await readEverySize(path);
    expect(r.formats).toEqual(['json-concat']);
    expect(r.issues).toEqual([]);
    expect(r.records).toEqual([
      rec('{\n  "a": {\n    "b": "}{"\n  }\n}', 1, 0, 1),
      rec('{\n  "c": [\n    1\n  ]\n}', 6, 31, 2),
      rec('{"d":1}', 11, 54, 3),
      rec('{"e":2}', 11, 61, 4),
    ]);
    const gz = await readEverySize(await fixture('concat.json.gz', gzipSync(content)));
    expect(gz.formats).toEqual(['json-concat+gzip']);
    expect(gz.records).toEqual(r.records);
  });

  test('evtx_dump "Record <n>" header lines are framing, not data; other garbage is reported', async () => {
    const text = 'Record 1\n{\n  "a": 1\n}\nRecord 22\r\n{\n  "b": 2\n}\nnot json\n{"x":1}\n';
    const r = await readEverySize(await fixture('records.json', text));
    expect(r.records).toEqual([
      rec('{\n  "a": 1\n}', 2, 9, 1),
      rec('{\n  "b": 2\n}', 6, 33, 2),
      rec('{"x":1}', 10, 55, 3),
    ]);
    expect(r.issues).toEqual(['skipped-data@9']);
  });

  test('a pretty record cut off by the next one is reported and framing resumes', async () => {
    const text = '{\n  "a": {\n    "b": 1\n{\n  "c": 2\n}\n';
    const r = await readEverySize(await fixture('cut.json', text));
    expect(r.records).toEqual([rec('{\n  "c": 2\n}', 4, 22, 1)]);
    expect(r.issues).toEqual(['truncated-record@1']);
  });

  test('a raw newline inside a string does not swallow the following records', async () => {
    const text = '{\n  "a": "open\n}\n{\n  "b": 2\n}\n';
    const r = await readEverySize(await fixture('raw-newline.json', text));
    expect(r.records).toEqual([rec('{\n  "a": "open\n}', 1, 0, 1), rec('{\n  "b": 2\n}', 4, 17, 2)]);
    expect(r.issues).toEqual([]);
  });

  test('a real evtx_dump file from the Sigma regression corpus', async (ctx) => {
    const shared = sharedPath(
      'corpora/sigma/regression_data/rules/windows/file/file_event/file_event_win_hktl_netexec_file_indicators/efc21479-9e83-41da-8cf1-122e06ba8db3.json',
    );
    if (!shared.available) ctx.skip(shared.reason);
    const text = readFileSync(shared.path, 'utf8');
    // Independent expectation: in evtx_dump output every record starts with a line that is just "{".
    const lines = text.split('\n');
    const expected: Shape[] = [];
    let offset = 0;
    lines.forEach((line, i) => {
      if (line === '{') expected.push(rec('', i + 1, offset, expected.length + 1));
      offset += Buffer.byteLength(line) + 1;
    });
    for (let k = 0; k < expected.length; k++) {
      const start = expected[k]!.offset;
      const end = k + 1 < expected.length ? expected[k + 1]!.offset : Buffer.byteLength(text);
      expected[k] = { ...expected[k]!, text: Buffer.from(text).subarray(start, end).toString().trimEnd() };
    }
    expect(expected.length).toBe(7);
    const r = await readEverySize(shared.path, 'auto', LARGER_CHUNK_SIZES);
    expect(r.formats).toEqual(['json-concat']);
    expect(r.issues).toEqual([]);
    expect(r.records).toEqual(expected);
    for (const record of r.records) {
      const value = JSON.parse(record.text) as { Event: { System: { EventID: unknown } } };
      expect(value.Event.System.EventID).toBeTypeOf('number');
    }
    const gz = await readEverySize(
      await fixture('evtx-dump.json.gz', gzipSync(text)),
      'auto',
      LARGER_CHUNK_SIZES,
    );
    expect(gz.records).toEqual(expected);
  });
});

describe('forcing a format', () => {
  test('NDJSON content read as json-concat gives the same records', async () => {
    const path = await fixture('force.ndjson', '{"a":1}\n{"b":2}\n');
    const r = await read(path, 'json-concat');
    expect(r.formats).toEqual(['json-concat']);
    expect(r.records.map((x) => [x.text, x.line])).toEqual([
      ['{"a":1}', 1],
      ['{"b":2}', 2],
    ]);
  });

  test('a pretty-printed object read as ndjson: every line is its own (invalid) record', async () => {
    const path = await fixture('force-pretty.json', '{\n  "a": 1\n}\n');
    const r = await read(path, 'ndjson');
    expect(r.records.map((x) => [x.text, x.line])).toEqual([
      ['{', 1],
      ['"a": 1', 2],
      ['}', 3],
    ]);
  });

  test('NDJSON read as json-array: no "[" so it is all skipped, and said so once', async () => {
    const path = await fixture('force-array.ndjson', '{"a":1}\n{"b":2}\n');
    const r = await read(path, 'json-array');
    expect(r.records).toEqual([]);
    expect(r.issues).toEqual(['skipped-data@1']);
  });
});

describe('batches', () => {
  test('each batch owns its buffer, which can be transferred to another thread', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `{"n":${i},"s":"${'x'.repeat(i % 17)}"}`);
    const path = await fixture('owned.ndjson', lines.join('\n'));
    const { options } = collectingOptions({ batchBytes: 1000, chunkBytes: 4096 });
    const { batches } = await collect(readJsonFile(path, options, 'auto'));
    expect(batches.length).toBeGreaterThan(3);
    const buffers = new Set(batches.map((b) => b.bytes.buffer));
    expect(buffers.size).toBe(batches.length);
    const texts: string[] = [];
    for (const batch of batches) {
      for (const view of [batch.bytes, batch.starts, batch.ends, batch.lines, batch.offsets]) {
        expect(view.byteOffset).toBe(0);
        expect(view.byteLength).toBe(view.buffer.byteLength);
      }
      // structuredClone with a transfer list is what postMessage does.
      const moved = structuredClone(batch, { transfer: [batch.bytes.buffer as ArrayBuffer] });
      expect(batch.bytes.byteLength).toBe(0);
      for (let i = 0; i < moved.starts.length; i++) {
        texts.push(Buffer.from(moved.bytes.subarray(moved.starts[i], moved.ends[i])).toString());
      }
    }
    expect(texts).toEqual(lines);
  });
});
