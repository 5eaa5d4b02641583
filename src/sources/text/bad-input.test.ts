/**
 * Absurdly long lines in every text format: skipped as `record-too-large` without being held in memory,
 * counted, and the lines around them read. Also what is not text at all.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixtureDir, readEvents } from './testing.js';

let files: Awaited<ReturnType<typeof fixtureDir>>;
beforeAll(async () => {
  files = await fixtureDir('bg-text-bad-');
});
afterAll(async () => {
  await files.cleanup();
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

const LINE = 30 * 1024 * 1024;
const LIMIT = 1024 * 1024;

/** Writes `before`, a LINE-byte run of `x` (inside `open`…`close`), then `after`. */
async function writeHuge(
  name: string,
  before: string,
  open: string,
  close: string,
  after: string,
  gzip = false,
) {
  const path = files.path(name);
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

const CASES = [
  {
    format: 'w3c',
    before: '#Software: IIS\n#Fields: date cs-uri-query\n2024-03-07 a\n',
    open: '2024-03-07 ',
    after: '\n2024-03-07 b\n',
    line: 4,
  },
  { format: 'csv', before: 'time,query\n1,a\n', open: '2,"', close: '"', after: '\n3,b\n', line: 3 },
  {
    format: 'syslog',
    before: 'Mar  7 09:15:02 h app: a\n',
    open: 'Mar  7 09:15:03 h app: ',
    after: '\nMar  7 09:15:04 h app: b\n',
    line: 2,
  },
  {
    format: 'auditd',
    before: 'type=EXECVE msg=audit(1.000:1): a0="a"\n',
    open: 'type=EXECVE msg=audit(1.000:2): a0=',
    after: '\ntype=EXECVE msg=audit(1.000:3): a0="b"\n',
    line: 2,
  },
] as const;

describe('a 30 MB line with a 1 MiB limit', () => {
  for (const c of CASES) {
    for (const gzip of c.format === 'syslog' ? [false, true] : [false]) {
      test(`${c.format}${gzip ? ' (gzip)' : ''}: skipped, counted, not buffered`, async () => {
        const close = 'close' in c ? c.close : '';
        const path = await writeHuge(
          `huge-${c.format}${gzip ? '.gz' : ''}`,
          c.before,
          c.open,
          close,
          c.after,
          gzip,
        );
        gc({ type: 'major' });
        const before = process.memoryUsage().arrayBuffers;
        let peak = before;
        const sample = (): void => {
          gc({ type: 'minor' });
          peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        };
        const timer = setInterval(sample, 5);
        let r: Awaited<ReturnType<typeof readEvents>>;
        try {
          r = await readEvents(path, c.format, { maxRecordBytes: LIMIT, onProgress: sample });
        } finally {
          clearInterval(timer);
        }
        expect(r.events).toHaveLength(2);
        expect(r.keys).toEqual([`record-too-large@${c.line}`]);
        expect(r.issues[0]!.message).toContain(
          `(${c.open.length + LINE + close.length} bytes) exceeds the limit of 1.0 MiB`,
        );
        // Holding the line would add at least LINE; a chunk, a batch and one record at the limit may be held.
        expect(peak - before).toBeLessThan(LINE / 5);
      }, 60_000);
    }
  }
});

describe('what is not a text log', () => {
  test('UTF-16 is refused with the fix; binary garbage is not detected as any text format', async () => {
    const utf16 = await files.write('utf16.log', Buffer.from('\uFEFFMar  7 09:15:02 h a: b\n', 'utf16le'));
    expect((await readEvents(utf16, 'syslog')).keys).toEqual(['unsupported-encoding']);
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 251));
    garbage[0] = 0x80;
    const path = await files.write('garbage.bin', garbage);
    expect((await readEvents(path)).keys).toEqual(['unknown-format']);
  });

  test('forced onto garbage, each format reports every line and never throws', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 104729 + 7) % 256));
    const path = await files.write('garbage-forced.bin', garbage);
    for (const format of ['w3c', 'csv', 'syslog', 'auditd']) {
      const r = await readEvents(path, format, { maxRecordBytes: 512 });
      expect(r.events.length + r.issues.length).toBeGreaterThan(0);
    }
  });
});
