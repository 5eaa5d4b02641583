/**
 * The streaming multipart reader: every split of the body into chunks gives the same parts (so a
 * delimiter cut between two network packets is still found), bytes that look almost like a delimiter
 * stay in the data, names are read the way browsers write them, and malformed bodies are errors.
 */
import { describe, expect, it } from 'vitest';
import { MultipartError, boundaryOf, headerParams, readMultipart } from './multipart.js';
import type { PartHeaders } from './multipart.js';
import { checkUploadName } from './uploads.js';

const BOUNDARY = '----ballotguardTestBoundary7MA4YWxkTrZu0gW';

function body(
  parts: readonly { headers: string; data: Buffer | string }[],
  options: { preamble?: string; epilogue?: string } = {},
): Buffer {
  const chunks: Buffer[] = [Buffer.from(options.preamble ?? '')];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${BOUNDARY}\r\n${part.headers}\r\n\r\n`));
    chunks.push(typeof part.data === 'string' ? Buffer.from(part.data) : part.data);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n${options.epilogue ?? ''}`));
  return Buffer.concat(chunks);
}

function* chunked(data: Buffer, sizes: readonly number[]): Generator<Buffer> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(at, at + size);
    at += size;
  }
}

async function parse(data: Buffer, sizes: readonly number[] = [data.length], maxParts = 10) {
  const parts: { headers: PartHeaders; data: Buffer }[] = [];
  await readMultipart(
    chunked(data, sizes),
    BOUNDARY,
    (headers) => {
      const pieces: Buffer[] = [];
      return {
        write: (chunk: Buffer) => {
          pieces.push(Buffer.from(chunk));
        },
        end: () => {
          parts.push({ headers, data: Buffer.concat(pieces) });
        },
      };
    },
    { maxParts, maxHeaderBytes: 1024 },
  );
  return parts;
}

const binary = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256));
const tricky = Buffer.from(`line\r\n--${BOUNDARY.slice(0, -1)}X\r\n--${BOUNDARY.slice(0, 10)}\r\n\r\nend`);
const sample = body(
  [
    { headers: 'Content-Disposition: form-data; name="note"', data: 'hello' },
    {
      headers:
        'Content-Disposition: form-data; name="file"; filename="security.evtx"\r\nContent-Type: application/octet-stream',
      data: binary,
    },
    { headers: 'Content-Disposition: form-data; name="file"; filename="web.log"', data: tricky },
    { headers: 'Content-Disposition: form-data; name="file"; filename="empty.json"', data: '' },
  ],
  { preamble: 'ignored preamble\r\n', epilogue: 'ignored epilogue' },
);

describe('readMultipart', () => {
  it('reads fields and files, bytes intact', async () => {
    const parts = await parse(sample);
    expect(parts.map((part) => [part.headers.name, part.headers.filename])).toEqual([
      ['note', undefined],
      ['file', 'security.evtx'],
      ['file', 'web.log'],
      ['file', 'empty.json'],
    ]);
    expect(parts[0]!.data.toString()).toBe('hello');
    expect(parts[1]!.data.equals(binary)).toBe(true);
    expect(parts[1]!.headers.contentType).toBe('application/octet-stream');
    expect(parts[2]!.data.equals(tricky)).toBe(true);
    expect(parts[3]!.data.length).toBe(0);
  });

  it('gives the same parts however the body is cut into chunks', async () => {
    const expected = await parse(sample);
    for (const sizes of [[1], [2], [3], [7], [13, 1, 64], [BOUNDARY.length + 3], [BOUNDARY.length + 4, 1]]) {
      const parts = await parse(sample, sizes);
      expect(
        parts.map((part) => part.data.toString('hex')),
        `chunks of ${sizes.join(',')}`,
      ).toEqual(expected.map((part) => part.data.toString('hex')));
    }
  });

  it('reads quoted, escaped and RFC 5987 file names', async () => {
    const parts = await parse(
      body([
        {
          headers: 'Content-Disposition: form-data; name="f"; filename="a \\"quoted\\" name.log"',
          data: 'x',
        },
        {
          headers: `Content-Disposition: form-data; name="f"; filename="fallback.log"; filename*=UTF-8''s%C3%A9curit%C3%A9.evtx`,
          data: 'y',
        },
        { headers: 'content-disposition: form-data; name=f; filename=bare.txt', data: 'z' },
      ]),
    );
    expect(parts.map((part) => part.headers.filename)).toEqual([
      'a "quoted" name.log',
      'sécurité.evtx',
      'bare.txt',
    ]);
  });

  it.each([
    ['no boundary at all', Buffer.from('just some text')],
    ['a body cut short', sample.subarray(0, sample.length - 30)],
    [
      'headers that never end',
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"${' '.repeat(2000)}`),
    ],
    ['garbage after a boundary', Buffer.from(`--${BOUNDARY}garbage\r\n\r\n`)],
  ])('refuses %s', async (_label, data) => {
    await expect(parse(data)).rejects.toBeInstanceOf(MultipartError);
  });

  it('refuses more parts than allowed', async () => {
    const many = body(
      Array.from({ length: 5 }, (_, i) => ({
        headers: `Content-Disposition: form-data; name="p${i}"`,
        data: 'v',
      })),
    );
    await expect(parse(many, [many.length], 4)).rejects.toThrow('more than 4 parts');
  });
});

describe('boundaryOf and headerParams', () => {
  it.each([
    [`multipart/form-data; boundary=${BOUNDARY}`, BOUNDARY],
    [`Multipart/Form-Data; charset=utf-8; boundary="${BOUNDARY}"`, BOUNDARY],
    ['multipart/form-data', undefined],
    ['application/json; boundary=x', undefined],
    [`multipart/form-data; boundary=${'x'.repeat(71)}`, undefined],
    ['multipart/form-data; boundary="bad\\"quote"', undefined],
  ])('%s → %s', (header, expected) => {
    expect(boundaryOf(header)).toBe(expected);
  });

  it('keeps the first of repeated parameters', () => {
    expect(headerParams('form-data; name="a"; name="b"').get('name')).toBe('a');
  });
});

describe('checkUploadName', () => {
  it.each([
    'security.evtx',
    'dc01 Security (2).evtx',
    'sécurité.log',
    '..hidden',
    'a..b.json',
    'x'.repeat(255),
  ])('accepts %s, storing a plain name', (name) => {
    const check = checkUploadName(name, 7);
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.stored).toMatch(/^007-[A-Za-z0-9._-]+$/);
    if (check.ok) expect(check.stored.startsWith('007-.')).toBe(false);
  });

  it.each([
    ['../../etc/passwd', 'path-traversal'],
    ['..', 'path-traversal'],
    ['.', 'path-traversal'],
    ['logs/security.evtx', 'path-traversal'],
    ['..\\..\\windows\\win.ini', 'path-traversal'],
    ['C:\\Windows\\system.ini', 'path-traversal'],
    ['/etc/shadow', 'path-traversal'],
    ['evil\u0000.evtx', 'control-characters'],
    ['line\nbreak.log', 'control-characters'],
    ['   ', 'empty'],
    ['é'.repeat(200), 'too-long'],
  ])('refuses %j (%s)', (name, reason) => {
    expect(checkUploadName(name, 1)).toEqual({ ok: false, reason });
  });
});
