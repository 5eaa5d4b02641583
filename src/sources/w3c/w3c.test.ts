import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TextLinesBatch } from '../types.js';
import { fixtureDir, readEvents } from '../text/testing.js';
import { sniffW3c, splitW3cValues, w3cParser } from './index.js';

let files: Awaited<ReturnType<typeof fixtureDir>>;
beforeAll(async () => {
  files = await fixtureDir('bg-w3c-');
});
afterAll(async () => {
  await files.cleanup();
});

function parserFor(fields: string[]) {
  const batch = { context: fields, fileTime: 0 } as unknown as TextLinesBatch;
  return w3cParser.forBatch(batch);
}

const IIS_HEADER = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Version: 1.0',
  '#Date: 2021-03-02 23:41:00',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
];

describe('parsing a line', () => {
  const parse = parserFor(IIS_HEADER[3]!.slice('#Fields: '.length).split(' '));

  test('fields take the header names; Sigma names are added; - is null; counters are numbers', () => {
    const r = parse(
      '2021-03-02 23:41:18 10.0.0.5 POST /ecp/y.js - 443 - 203.0.113.61 Nmap+Scripting+Engine;+http://nmap.org - 200 0 0 15',
    );
    expect(r).toEqual({
      ok: true,
      value: {
        date: '2021-03-02',
        time: '23:41:18',
        's-ip': '10.0.0.5',
        'cs-method': 'POST',
        'cs-uri-stem': '/ecp/y.js',
        'cs-uri-query': null,
        's-port': 443,
        'cs-username': null,
        'c-ip': '203.0.113.61',
        'cs(User-Agent)': 'Nmap+Scripting+Engine;+http://nmap.org',
        'cs-user-agent': 'Nmap Scripting Engine; http://nmap.org',
        'cs(Referer)': null,
        'cs-referer': null,
        'sc-status': 200,
        'sc-substatus': 0,
        'sc-win32-status': 0,
        'time-taken': 15,
      },
    });
  });

  test('a counter that is not an integer stays text', () => {
    const p = parserFor(['sc-status', 'time-taken']);
    expect(p('2xx 1.5')).toEqual({ ok: true, value: { 'sc-status': '2xx', 'time-taken': '1.5' } });
  });

  test('a header that already has the Sigma name gets no alias', () => {
    const p = parserFor(['cs(User-Agent)', 'cs-user-agent']);
    expect(p('a+b c+d')).toEqual({ ok: true, value: { 'cs(User-Agent)': 'a+b', 'cs-user-agent': 'c+d' } });
  });

  test('the wrong number of values is a field-count problem naming both counts', () => {
    const r = parse('2021-03-02 23:41:19 10.0.0.5 GET / - 443');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem.code).toBe('field-count');
      expect(r.problem.message).toContain('the line has 7 values but the #Fields: directive names 15');
    }
  });

  test('without a #Fields: directive a line cannot be read', () => {
    const r = parserFor([])('2021-03-02 23:41:19 GET /');
    expect(r.ok ? undefined : r.problem.code).toBe('no-field-names');
  });

  test('quoted strings may hold spaces; tabs and repeated spaces separate values', () => {
    expect(splitW3cValues('a "b c" "say ""hi""" \t d "open')).toEqual(['a', 'b c', 'say "hi"', 'd', 'open']);
  });

  test('a header named __proto__ is an ordinary field', () => {
    const r = parserFor(['__proto__', 'x'])('1 2');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
      expect(Object.keys(r.value)).toEqual(['__proto__', 'x']);
    }
  });
});

describe('reading a file', () => {
  test('directives are not records; a changed #Fields: starts a new batch with the new names', async () => {
    const path = await files.write(
      'u_ex210302.log',
      [
        ...IIS_HEADER.slice(0, 3),
        '#Fields: date time cs-method cs-uri-stem sc-status',
        '2021-03-02 23:41:18 POST /ecp/y.js 200',
        '#Remark: the service restarted with other fields',
        '#Fields: date time cs-method cs-uri-stem cs(User-Agent)',
        '2021-03-02 23:42:00 GET /owa/ curl/8.0',
        '2021-03-02 23:42:01 GET /owa/ extra value',
        '',
      ].join('\r\n'),
    );
    const r = await readEvents(path);
    expect(r.formats).toEqual(['w3c']);
    expect(r.batches.map((b) => [b.context.length, b.eventClass, b.firstRecord])).toEqual([
      [5, 'w3c', 1],
      [5, 'w3c', 2],
    ]);
    expect(r.events.map((e) => [e.line, e.record, e.eventClass])).toEqual([
      [5, 1, 'w3c'],
      [8, 2, 'w3c'],
    ]);
    expect(r.events[1]!.value).toEqual({
      date: '2021-03-02',
      time: '23:42:00',
      'cs-method': 'GET',
      'cs-uri-stem': '/owa/',
      'cs(User-Agent)': 'curl/8.0',
      'cs-user-agent': 'curl/8.0',
    });
    expect(r.keys).toEqual(['field-count@9']);
    expect(r.issues[0]!.location.record).toBe(3);
  });

  test('gzip, a BOM and lines before any #Fields:', async () => {
    const text = '\uFEFF#Software: IIS\n2021-03-02 lost\n#Fields: date x\n2021-03-02 1\n';
    const path = await files.write('u_ex.log.gz', gzipSync(text));
    const r = await readEvents(path);
    expect(r.formats).toEqual(['w3c+gzip']);
    expect(r.events.map((e) => e.value)).toEqual([{ date: '2021-03-02', x: '1' }]);
    expect(r.keys).toEqual(['no-field-names@2']);
  });

  test('a line longer than the record limit is skipped and counted, the rest read', async () => {
    const path = await files.write('long.log', `#Fields: a b\n1 2\n${'x'.repeat(5000)} y\n3 4\n`);
    const r = await readEvents(path, undefined, { maxRecordBytes: 1000 });
    expect(r.events.map((e) => e.value)).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
    expect(r.keys).toEqual(['record-too-large@3']);
  });

  test('invalid UTF-8 is replaced and the record kept with a warning', async () => {
    const path = await files.write(
      'bad-utf8.log',
      Buffer.concat([Buffer.from('#Fields: a b\n1 '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]),
    );
    const r = await readEvents(path);
    expect(r.events.map((e) => e.value)).toEqual([{ a: '1', b: '\ufffd\ufffd' }]);
    expect(r.keys).toEqual(['invalid-utf8@2']);
  });

  test('a file of directives only has no events and no issues; an empty file is reported', async () => {
    expect((await readEvents(await files.write('header-only.log', IIS_HEADER.join('\n')))).keys).toEqual([]);
    expect((await readEvents(await files.write('empty.log', ''), 'w3c')).keys).toEqual(['empty-file']);
  });
});

describe('sniffing', () => {
  test.each([
    ['IIS', IIS_HEADER.join('\r\n') + '\r\n', true],
    ['a header without #Fields: in the head', '#Software: IIS\n#Version: 1.0\n', true],
    [
      'Windows Firewall',
      '#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: Local\n#Fields: date time action protocol src-ip\n',
      true,
    ],
    [
      "Exchange's CSV logs",
      '#Software: Microsoft Exchange Server\n#Version: 15.01\n#Log-type: HttpProxy Logs\n#Fields: DateTime,RequestId,UrlStem\n',
      false,
    ],
    ['a comment above JSON', '# exported by a SIEM\n{"a":1}\n', false],
    ['syslog', 'Mar  7 09:15:02 host sshd[1]: x\n', false],
  ])('%s → %s', (_name, text, expected) => {
    expect(sniffW3c(Buffer.from(text))).toBe(expected);
  });
});
