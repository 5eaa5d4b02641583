import { describe, expect, test } from 'vitest';
import type { Issue } from '../../issues.js';
import { issueKeys } from '../testing.js';
import { LineSplitter } from './line-splitter.js';

interface Split {
  lines: [string, number, number][];
  tooLong: [number, number, number, boolean][];
  issues: Issue[];
}

/** Splits `input` pushed in chunks of `chunk` bytes. */
function split(
  input: string | Uint8Array,
  chunk: number,
  options: { max?: number; octets?: boolean } = {},
  complete = true,
): Split {
  const bytes = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input);
  const out: Split = { lines: [], tooLong: [], issues: [] };
  const splitter = new LineSplitter(
    {
      line: (b, s, e, line, offset) =>
        out.lines.push([Buffer.from(b.subarray(s, e)).toString(), line, offset]),
      tooLong: (line, offset, size, unterminated) => out.tooLong.push([line, offset, size, unterminated]),
      issue: (issue) => out.issues.push(issue),
    },
    { path: 'mem.log', maxLineBytes: options.max ?? 1024, octetCounting: options.octets ?? false },
  );
  for (let i = 0; i < bytes.length; i += chunk) splitter.push(bytes.subarray(i, i + chunk));
  splitter.end(complete);
  return out;
}

const CHUNKS = [1, 2, 3, 7, 64, 4096];

describe('newline framing', () => {
  test.each(CHUNKS)('LF, CRLF, blank lines and a last line without newline (chunks of %i)', (chunk) => {
    const r = split('a b\r\n\r\nsecond\n  \nlast', chunk);
    expect(r.lines).toEqual([
      ['a b', 1, 0],
      ['', 2, 5],
      ['second', 3, 7],
      ['  ', 4, 14],
      ['last', 5, 17],
    ]);
    expect(r.issues).toEqual([]);
  });

  test.each(CHUNKS)(
    'a line over the limit is measured, not stored, and the next is intact (chunks of %i)',
    (chunk) => {
      const long = 'x'.repeat(50);
      const r = split(`ok\n${long}\r\nafter\n${'y'.repeat(41)}`, chunk, { max: 40 });
      expect(r.lines.map((l) => l[0])).toEqual(['ok', 'after']);
      expect(r.tooLong).toEqual([
        [2, 3, 50, false],
        [4, 61, 41, true],
      ]);
    },
  );

  test('a line exactly at the limit passes', () => {
    expect(split(`${'z'.repeat(40)}\n`, 7, { max: 40 }).lines).toEqual([['z'.repeat(40), 1, 0]]);
  });

  test('input cut by a read error: the unfinished line is a truncated record', () => {
    const r = split('one\ntwo', 3, {}, false);
    expect(r.lines.map((l) => l[0])).toEqual(['one']);
    expect(issueKeys(r.issues)).toEqual(['truncated-record@2']);
  });

  test('bytes that are not UTF-8 are passed through untouched', () => {
    const r = split(Buffer.from([0x61, 0xff, 0x0a, 0x62]), 1);
    expect(r.lines.map((l) => l[0])).toEqual(['a\ufffd', 'b']);
  });
});

describe('RFC 6587 octet counting', () => {
  const frame = (msg: string): string => `${Buffer.byteLength(msg)} ${msg}`;

  test.each(CHUNKS)('counted frames, with newlines inside and between them (chunks of %i)', (chunk) => {
    const a = '<34>1 - host app - - - multi\nline';
    const b = '<13>Mar  7 09:15:02 host sshd[1]: hi';
    const r = split(`${frame(a)}${frame(b)}\n${frame('<14>x')}`, chunk, { octets: true });
    expect(r.lines.map((l) => [l[0], l[1]])).toEqual([
      [a, 1],
      [b, 2],
      ['<14>x', 3],
    ]);
    expect(r.issues).toEqual([]);
  });

  test('newline-framed lines and counted frames mix, and digits that are not a count stay in the line', () => {
    const r = split(`2024-03-07T09:15:02Z host a: b\n${frame('<13>c')}\n123 not a frame\n`, 5, {
      octets: true,
    });
    expect(r.lines.map((l) => l[0])).toEqual(['2024-03-07T09:15:02Z host a: b', '<13>c', '123 not a frame']);
    expect(r.issues).toEqual([]);
  });

  test('a count that runs past the next frame boundary is reported and framing recovers', () => {
    // The first count says 10 but the message is 14 bytes: the tail is read as its own line.
    const r = split('10 <13>abcdefghijk\n5 <13>z', 3, { octets: true });
    expect(r.lines.map((l) => l[0])).toEqual(['<13>abcdef', 'ghijk', '<13>z']);
    expect(issueKeys(r.issues)).toEqual(['syslog-bad-octet-count@1']);
  });

  test('a count larger than the limit is not trusted: the frame is read up to the newline', () => {
    const r = split('999999 <13>short\nnext\n', 4, { octets: true, max: 100 });
    expect(r.lines.map((l) => l[0])).toEqual(['999999 <13>short', 'next']);
    expect(issueKeys(r.issues)).toEqual(['syslog-bad-octet-count@1']);
  });

  test('a frame cut by the end of the input is a truncated record', () => {
    const r = split('50 <13>only a few bytes', 4, { octets: true });
    expect(r.lines).toEqual([]);
    expect(issueKeys(r.issues)).toEqual(['truncated-record@1']);
    expect(r.issues[0]!.message).toContain('before the end of the octet-counted frame');
  });
});

describe('the limit and CRLF', () => {
  test.each(CHUNKS)(
    'a CRLF line of exactly the limit passes, one byte more does not (chunks of %i)',
    (chunk) => {
      const at = 'a'.repeat(20);
      const over = 'b'.repeat(21);
      const r = split(`${at}\r\n${over}\r\n${at}\r\n`, chunk, { max: 20 });
      expect(r.lines.map((l) => l[0])).toEqual([at, at]);
      expect(r.tooLong).toEqual([[2, 22, 21, false]]);
    },
  );
});
