/**
 * Bad input: each case gives a clear issue naming the place, is counted, the rest goes on; nothing throws,
 * hangs, or holds more than one record plus one chunk in memory.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Issue } from '../../issues.js';
import { decodeRecord } from '../decode.js';
import { collect, collectingOptions, issueKeys } from '../testing.js';
import type { JsonTextBatch } from '../types.js';
import { readJsonFile } from './read-json.js';
import type { JsonFormatName } from './sniff.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bg-bad-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function read(path: string, format: JsonFormatName | 'auto' = 'auto', overrides = {}) {
  const { options, issues } = collectingOptions(overrides);
  const { records, batches } = await collect(readJsonFile(path, options, format));
  return { records, batches, issues, keys: issueKeys(issues) };
}

/** Decodes every record of the batches: values and issue codes, in order. */
function decodeAll(batches: readonly JsonTextBatch[]): { values: unknown[]; issues: Issue[] } {
  const values: unknown[] = [];
  const issues: Issue[] = [];
  for (const batch of batches) {
    for (let i = 0; i < batch.starts.length; i++) {
      const r = decodeRecord(batch, i);
      if (r.ok) {
        values.push(r.value);
        if (r.warning) issues.push(r.warning);
      } else issues.push(r.issue);
    }
  }
  return { values, issues };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
/** A scavenge is enough to free short-lived Buffers (and is fast enough to run every few ms). */
const collectGarbage = (): void => gc({ type: 'minor' });

/** Deterministic bytes (mulberry32), so that failures reproduce. */
function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

const FORMATS: JsonFormatName[] = ['ndjson', 'json-array', 'json-concat'];

describe('empty input', () => {
  test.each(['auto', ...FORMATS] as const)('an empty file (%s) is one empty-file warning', async (format) => {
    const path = await fixture(`empty-${format}`, '');
    const r = await read(path, format);
    expect(r.records).toEqual([]);
    expect(r.issues).toEqual([
      { code: 'empty-file', severity: 'warning', message: 'the file is empty', location: { file: path } },
    ]);
  });

  test.each(['auto', ...FORMATS] as const)(
    'a whitespace-only file (%s) is one empty-file warning',
    async (format) => {
      const path = await fixture(`blank-${format}`, ' \n\r\n\t\n   ');
      const r = await read(path, format);
      expect(r.records).toEqual([]);
      expect(r.keys).toEqual(['empty-file']);
      expect(r.issues[0]!.message).toBe('the file holds only whitespace (9 bytes)');
    },
  );

  test('a gzip of nothing is empty too', async () => {
    const r = await read(await fixture('empty.gz', gzipSync(Buffer.alloc(0))));
    expect(r.keys).toEqual(['empty-file']);
  });
});

describe('a 50 MB record with a 1 MiB limit is skipped without being buffered', () => {
  const LINE = 50 * 1024 * 1024;
  const LIMIT = 1024 * 1024;

  /** Streams `before`, a value holding a LINE-byte string, then `after`, to a file (plain or gzip). */
  async function writeHuge(
    name: string,
    before: string,
    open: string,
    close: string,
    after: string,
    gzip = false,
  ) {
    const path = join(dir, name);
    const filler = Buffer.alloc(1024 * 1024, 0x78);
    function* parts() {
      yield Buffer.from(before + open);
      for (let written = 0; written < LINE; written += filler.length) yield filler;
      yield Buffer.from(close + after);
    }
    if (gzip) await pipeline(Readable.from(parts()), createGzip({ level: 1 }), createWriteStream(path));
    else await pipeline(Readable.from(parts()), createWriteStream(path));
    return path;
  }

  /**
   * Reads while sampling memory every few milliseconds. Each sample follows a scavenge, so that what is
   * measured is memory held, not garbage waiting for the collector (inflating churns through zlib's output
   * buffers, which V8 collects lazily). Holding the record would add at least LINE to both measures.
   */
  async function readMeasured(path: string, format: JsonFormatName | 'auto') {
    gc({ type: 'major' });
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakBuffers = before.arrayBuffers;
    const sample = () => {
      collectGarbage();
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
    };
    const timer = setInterval(sample, 5);
    try {
      const r = await read(path, format, { maxRecordBytes: LIMIT, onProgress: sample });
      sample();
      return { ...r, rssGrowth: peakRss - before.rss, buffersGrowth: peakBuffers - before.arrayBuffers };
    } finally {
      clearInterval(timer);
    }
  }

  const cases = [
    {
      name: 'NDJSON line',
      format: 'auto',
      before: '{"a":1}\n',
      open: '{"big":"',
      close: '"}',
      after: '\n{"c":3}\n',
      records: [
        ['{"a":1}', 1],
        ['{"c":3}', 3],
      ],
      line: 2,
      offset: 8,
    },
    {
      name: 'pretty-printed concatenated object',
      format: 'auto',
      before: '{\n  "a": 1\n}\n',
      open: '{\n  "big": "',
      close: '"\n}',
      after: '\n{\n  "c": 3\n}\n',
      records: [
        ['{\n  "a": 1\n}', 1],
        ['{\n  "c": 3\n}', 7],
      ],
      line: 4,
      offset: 13,
    },
    {
      name: 'JSON array element',
      format: 'auto',
      before: '[{"a":1},\n',
      open: '{"big":"',
      close: '"}',
      after: ',\n{"c":3}]\n',
      records: [
        ['{"a":1}', 1],
        ['{"c":3}', 3],
      ],
      line: 2,
      offset: 10,
    },
  ] as const;

  for (const c of cases) {
    for (const gzip of [false, true]) {
      test(`${c.name}${gzip ? ' (gzip)' : ''}`, async () => {
        const path = await writeHuge(
          `huge-${c.line}-${c.offset}${gzip ? '.gz' : ''}`,
          c.before,
          c.open,
          c.close,
          c.after,
          gzip,
        );
        const r = await readMeasured(path, c.format);
        expect(r.records.map((x) => [x.text, x.line])).toEqual(c.records);
        expect(r.keys).toEqual([`record-too-large@${c.line}`]);
        const size = c.open.length + LINE + c.close.length;
        expect(r.issues[0]!.location).toEqual({ file: path, line: c.line, offset: c.offset });
        expect(r.issues[0]!.message).toContain(`(${size} bytes) exceeds the limit of 1.0 MiB`);
        // RSS is what the user sees; ArrayBuffer memory is exact (malloc may keep freed pages in RSS, and
        // the JIT and zlib's arenas add a few MB on a loaded machine), so RSS gets the looser bound: well
        // under the record, which buffering it would have doubled.
        expect(r.rssGrowth).toBeLessThan(LINE / 2);
        expect(r.buffersGrowth).toBeLessThan(LINE / 5);
        await unlink(path);
      });
    }
  }

  test('records at the limit pass, one byte over is skipped; records larger than a batch are intact', async () => {
    const at = `{"s":"${'y'.repeat(1000 - 8)}"}`;
    const over = `{"s":"${'y'.repeat(1001 - 8)}"}`;
    expect([at.length, over.length]).toEqual([1000, 1001]);
    for (const format of FORMATS) {
      const body = format === 'json-array' ? `[${at},\n${over},\n${at}]` : `${at}\n${over}\n${at}\n`;
      for (const chunkBytes of [7, 300, 4096]) {
        const r = await read(await fixture(`limit-${format}`, body), format, {
          maxRecordBytes: 1000,
          batchBytes: 100,
          chunkBytes,
        });
        expect(r.records.map((x) => [x.text, x.line])).toEqual([
          [at, 1],
          [at, 3],
        ]);
        expect(r.keys).toEqual(['record-too-large@2']);
      }
    }
  });
});

describe('binary garbage', () => {
  const garbage = randomBytes(256 * 1024, 20240611);
  // A start that is neither whitespace, JSON, nor a wide-encoding pattern.
  garbage[0] = 0xc3;
  garbage[1] = 0x28;

  test('detection refuses it: unknown-format, no records', async () => {
    const path = await fixture('garbage.bin', garbage);
    const r = await read(path);
    expect(r.records).toEqual([]);
    expect(r.keys).toEqual(['unknown-format']);
    expect(r.issues[0]!.message).toMatch(/^not JSON: the content starts with "\\xc3\(/);
  });

  test('gzip of garbage is refused the same way; garbage that only looks like gzip is gzip-corrupt', async () => {
    expect((await read(await fixture('garbage.gz', gzipSync(garbage)))).keys).toEqual(['unknown-format']);
    const fake = Buffer.concat([Buffer.from([0x1f, 0x8b]), garbage]);
    const r = await read(await fixture('fake.gz', fake));
    expect(r.records).toEqual([]);
    expect(r.keys).toEqual(['gzip-corrupt']);
  });

  test('forced ndjson: every non-blank line is framed and every one fails to decode', async () => {
    const path = await fixture('garbage.ndjson', garbage);
    const r = await read(path, 'ndjson');
    // Independent framing: split on \n, drop blank lines, strip leading blanks and one trailing \r.
    const expected: [string, number][] = [];
    let start = 0;
    let line = 1;
    const blank = (c: number | undefined) => c === 0x20 || c === 0x09 || c === 0x0d;
    for (let i = 0; i <= garbage.length; i++) {
      if (i < garbage.length && garbage[i] !== 0x0a) continue;
      let s = start;
      while (s < i && blank(garbage[s])) s++;
      const e = i > s && garbage[i - 1] === 0x0d ? i - 1 : i;
      if (s < i) expected.push([new TextDecoder().decode(garbage.subarray(s, e)), line]);
      line++;
      start = i + 1;
    }
    expect(expected.length).toBeGreaterThan(500);
    expect(r.records.map((x) => [x.text, x.line])).toEqual(expected);
    expect(r.keys).toEqual([]);
    const decoded = decodeAll(r.batches);
    expect(decoded.values).toEqual([]);
    expect(decoded.issues.length).toBe(expected.length);
    expect(decoded.issues.every((i) => i.code === 'json-parse-error' || i.code === 'not-an-object')).toBe(
      true,
    );
  });

  test('forced json-concat and json-array: one skipped-data issue, and framing resumes after it', async () => {
    const noBrackets = garbage.map((c) => (c === 0x7b || c === 0x5b ? 0 : c));
    noBrackets[0] = 0x78;
    const lines = 1 + noBrackets.filter((c) => c === 0x0a).length;
    for (const format of ['json-concat', 'json-array'] as const) {
      const alone = await read(await fixture(`garbage-${format}`, noBrackets), format);
      expect(alone.records).toEqual([]);
      expect(alone.keys).toEqual(['skipped-data@1']);
      expect(alone.issues[0]!.message).toContain(`(${noBrackets.length} bytes)`);
      const tail = format === 'json-concat' ? '\n{"ok":1}\n' : '\n[{"ok":1}]\n';
      const mixed = await read(
        await fixture(`garbage-then-json-${format}`, Buffer.concat([noBrackets, Buffer.from(tail)])),
        format,
      );
      expect(mixed.records.map((x) => [x.text, x.line])).toEqual([['{"ok":1}', lines + 1]]);
      expect(mixed.keys).toEqual(['skipped-data@1']);
    }
  });
});

describe('invalid UTF-8', () => {
  test('records are kept with U+FFFD and an invalid-utf8 warning; bad bytes outside strings fail to parse', async () => {
    const body = Buffer.concat([
      Buffer.from('{"a":"ok"}\n{"b":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}\n{"c'),
      Buffer.from([0xe2, 0x82]),
      Buffer.from('":1}\n{"d":1}'),
      Buffer.from([0x80]),
      Buffer.from('\n{"e":"é"}\n'),
    ]);
    const r = await read(await fixture('utf8.ndjson', body));
    expect(r.records.map((x) => x.line)).toEqual([1, 2, 3, 4, 5]);
    const decoded = decodeAll(r.batches);
    expect(decoded.values).toEqual([{ a: 'ok' }, { b: '\ufffd\ufffd\ufffd' }, { 'c\ufffd': 1 }, { e: 'é' }]);
    expect(issueKeys(decoded.issues)).toEqual(['invalid-utf8@2', 'invalid-utf8@3', 'json-parse-error@4']);
    expect(decoded.issues[2]!.message).toContain('invalid UTF-8');
  });
});

describe('deeply nested JSON', () => {
  const DEPTH = 100_000;
  const deep = `{"a":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`;

  test.each(FORMATS)('100k levels frame and decode without crashing (%s)', async (format) => {
    const body = format === 'json-array' ? `[${deep},{"b":1}]` : `${deep}\n{"b":1}\n`;
    const r = await read(await fixture(`deep-${format}`, body), format);
    expect(r.records.map((x) => x.line)).toEqual([1, format === 'json-array' ? 1 : 2]);
    expect(r.keys).toEqual([]);
    const decoded = decodeAll(r.batches);
    expect(decoded.issues).toEqual([]);
    expect(decoded.values).toHaveLength(2);
    let depth = 0;
    for (let v = (decoded.values[0] as { a: unknown }).a; Array.isArray(v); v = v[0] as unknown) depth++;
    expect(depth).toBe(DEPTH);
  });

  test('100k unclosed levels are one truncated record, then one parse error in NDJSON', async () => {
    const open = `{"a":${'['.repeat(DEPTH)}`;
    const concat = await read(await fixture('deep-open.json', `{"x":1}\n${open}\n`), 'json-concat');
    expect(concat.records.map((x) => x.text)).toEqual(['{"x":1}']);
    expect(concat.keys).toEqual(['truncated-record@2']);
    expect(concat.issues[0]!.message).toContain('100001 bracket(s) still open');
    const nd = await read(await fixture('deep-open.ndjson', `${open}\n{"x":1}\n`), 'ndjson');
    expect(nd.records.map((x) => x.line)).toEqual([1, 2]);
    expect(issueKeys(decodeAll(nd.batches).issues)).toEqual(['json-parse-error@1']);
  });
});

describe('truncated input', () => {
  test('NDJSON: the cut last line is a record that fails to parse, with its line', async () => {
    const r = await read(await fixture('cut.ndjson', '{"a":1}\n{"b":'));
    expect(r.records.map((x) => [x.text, x.line])).toEqual([
      ['{"a":1}', 1],
      ['{"b":', 2],
    ]);
    expect(issueKeys(decodeAll(r.batches).issues)).toEqual(['json-parse-error@2']);
  });

  test('concatenated: the cut last record is truncated-record at its first line', async () => {
    const r = await read(await fixture('cut.json', '{\n  "a": 1\n}\n{\n  "b": {\n    "c": '));
    expect(r.records.map((x) => x.text)).toEqual(['{\n  "a": 1\n}']);
    expect(r.keys).toEqual(['truncated-record@4']);
    expect(r.issues[0]!.location).toEqual({ file: r.issues[0]!.location.file, line: 4, offset: 13 });
    expect(r.issues[0]!.message).toContain('2 bracket(s) still open');
  });

  test('array: the cut last element is truncated-record', async () => {
    const r = await read(await fixture('cut-array.json', '[{"a":1},\n {"b": "x'));
    expect(r.records.map((x) => x.text)).toEqual(['{"a":1}']);
    expect(r.keys).toEqual(['truncated-record@2']);
  });
});

describe('corrupt gzip', () => {
  const lines = Array.from({ length: 20000 }, (_, i) => `{"n":${i},"v":"${(i * 2654435761) % 1000003}"}`);
  const content = Buffer.from(lines.join('\n') + '\n');
  const gz = gzipSync(content);

  test('a truncated gzip delivers the records before the cut, then says where it broke', async () => {
    const path = await fixture('truncated.ndjson.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const r = await read(path);
    const k = r.records.length;
    expect(k).toBeGreaterThan(2000);
    expect(r.records.map((x) => [x.text, x.line])).toEqual(lines.slice(0, k).map((text, i) => [text, i + 1]));
    expect(r.records.every((x) => x.format === 'ndjson+gzip')).toBe(true);
    const gzipIssue = r.issues[0]!;
    expect(gzipIssue.code).toBe('gzip-corrupt');
    expect(gzipIssue.location.file).toBe(path);
    // The offset reached is exactly what was inflated: k whole lines and possibly part of the next.
    const whole = Buffer.byteLength(lines.slice(0, k).join('\n') + '\n');
    const reached = gzipIssue.location.offset!;
    expect(reached).toBeGreaterThanOrEqual(whole);
    expect(reached).toBeLessThan(whole + Buffer.byteLength(lines[k]!) + 1);
    expect(r.keys).toEqual(
      reached > whole ? ['gzip-corrupt', `truncated-record@${k + 1}`] : ['gzip-corrupt'],
    );
  });

  test('a damaged byte in the middle: records before the damage are delivered, the damage reported', async () => {
    const damaged = Buffer.from(gz);
    damaged[Math.floor(damaged.length / 2)]! ^= 0x55;
    const r = await read(await fixture('damaged.ndjson.gz', damaged));
    expect(r.keys.filter((k) => k === 'gzip-corrupt')).toHaveLength(1);
    expect(r.records.length).toBeGreaterThan(2000);
    expect(r.records.slice(0, 2000).map((x) => x.text)).toEqual(lines.slice(0, 2000));
  });
});

describe('a file that disappears', () => {
  test('deleted before reading: file-vanished naming it, no records, no exception', async () => {
    const path = await fixture('vanishing.ndjson', '{"a":1}\n');
    await unlink(path);
    for (const format of ['auto', ...FORMATS] as const) {
      const r = await read(path, format);
      expect(r.records).toEqual([]);
      expect(r.issues).toEqual([
        {
          code: 'file-vanished',
          severity: 'error',
          message: 'the file disappeared before it could be read',
          location: { file: path },
        },
      ]);
    }
  });

  test('deleted while being read: the open file is read to its end (POSIX keeps it)', async () => {
    const body = Array.from({ length: 3000 }, (_, i) => `{"n":${i}}`).join('\n');
    const path = await fixture('deleted-while-reading.ndjson', body);
    const { options, issues } = collectingOptions({ chunkBytes: 1024, batchBytes: 512 });
    let records = 0;
    let deleted = false;
    for await (const batch of readJsonFile(path, options, 'auto')) {
      records += batch.starts.length;
      if (!deleted) {
        await unlink(path);
        deleted = true;
      }
    }
    expect(records).toBe(3000);
    expect(issues).toEqual([]);
  });
});
