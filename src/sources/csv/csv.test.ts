import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TextLinesBatch } from '../types.js';
import { fixtureDir, readEvents } from '../text/testing.js';
import { csvParser, eventKeys, exchangeEventClass, MAX_RECORD_LINES, sniffCsv, splitCsv } from './index.js';

let files: Awaited<ReturnType<typeof fixtureDir>>;
beforeAll(async () => {
  files = await fixtureDir('bg-csv-');
});
afterAll(async () => {
  await files.cleanup();
});

const HTTP_PROXY = [
  '#Software: Microsoft Exchange Server',
  '#Version: 15.01.2375.007',
  '#Log-type: HttpProxy Logs',
  '#Date: 2021-03-02T00:00:00.123Z',
  '#Fields: DateTime,RequestId,UrlStem,UrlQuery,UserAgent,ClientIpAddress,HttpStatus,Method',
];

describe('RFC 4180 fields', () => {
  test.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['', ['']],
    ['a,,', ['a', '', '']],
    ['"a,b","say ""hi""",c', ['a,b', 'say "hi"', 'c']],
    ['"multi\nline",x', ['multi\nline', 'x']],
    ['ab"c,d', ['ab"c', 'd']],
    ['"ab"c,d', ['abc', 'd']],
  ])('%j', (text, fields) => {
    expect(splitCsv(text)).toEqual({ ok: true, fields });
  });

  test('an unclosed quote names its column', () => {
    expect(splitCsv('a,"open')).toEqual({ ok: false, column: 3 });
  });

  test('header names: empty ones get a position, repeated ones a suffix', () => {
    expect(eventKeys(['a', '', 'a', 'b', 'a'])).toEqual(['a', 'column2', 'a_2', 'b', 'a_3']);
  });
});

describe('parsing a record', () => {
  const parse = csvParser.forBatch({ context: ['a', 'b'], fileTime: 0 } as unknown as TextLinesBatch);

  test('values are text, named by the header', () => {
    expect(parse('1,"x y"')).toEqual({ ok: true, value: { a: '1', b: 'x y' } });
  });

  test('too few or too many fields', () => {
    for (const text of ['1', '1,2,3']) {
      const r = parse(text);
      expect(r.ok ? undefined : r.problem.code).toBe('field-count');
    }
  });

  test('an unterminated quote', () => {
    const r = parse('1,"2');
    expect(r.ok ? undefined : r.problem).toMatchObject({ code: 'csv-unterminated-quote', column: 3 });
  });
});

describe('Exchange logs', () => {
  test('the event class comes from #Log-type', () => {
    expect(exchangeEventClass('HttpProxy Logs')).toBe('exchange-httpproxy');
    expect(exchangeEventClass('Message Tracking Log')).toBe('exchange-message-tracking');
    expect(exchangeEventClass('ECP Logs')).toBe('exchange-ecp');
    expect(exchangeEventClass(undefined)).toBe('exchange');
  });

  test('an HttpProxy log: header from #Fields:, quoted newlines joined, class exchange-httpproxy', async () => {
    const path = await files.write(
      'HttpProxy_2021030223-1.LOG',
      [
        ...HTTP_PROXY,
        '2021-03-02T23:41:18.123Z,abc,/ecp/y.js,,"python-requests/2.19.1",203.0.113.61,200,POST',
        '2021-03-02T23:41:19.123Z,abd,/ecp/a,"x=""q""',
        'more",UA,1.2.3.4,401,GET',
        '2021-03-02T23:41:20.000Z,short',
        '',
      ].join('\r\n'),
    );
    const r = await readEvents(path);
    expect(r.formats).toEqual(['csv']);
    expect(r.events.map((e) => [e.line, e.record, e.eventClass])).toEqual([
      [6, 1, 'exchange-httpproxy'],
      [7, 2, 'exchange-httpproxy'],
    ]);
    expect(r.events[0]!.value).toEqual({
      DateTime: '2021-03-02T23:41:18.123Z',
      RequestId: 'abc',
      UrlStem: '/ecp/y.js',
      UrlQuery: '',
      UserAgent: 'python-requests/2.19.1',
      ClientIpAddress: '203.0.113.61',
      HttpStatus: '200',
      Method: 'POST',
    });
    expect(r.events[1]!.value['UrlQuery']).toBe('x="q"\nmore');
    expect(r.keys).toEqual(['field-count@9']);
  });

  test('a message tracking log', async () => {
    const path = await files.write(
      'MSGTRK2021030223-1.LOG',
      '#Software: Microsoft Exchange Server\n#Version: 15.0.0.0\n#Log-type: Message Tracking Log\n' +
        '#Date: 2021-03-02T23:00:00.000Z\n#Fields: date-time,client-ip,event-id,sender-address,message-subject\n' +
        '2021-03-02T23:01:02.345Z,10.0.0.4,RECEIVE,a@example.org,"Results, final"\n',
    );
    const r = await readEvents(path);
    expect(r.events.map((e) => [e.eventClass, e.value['message-subject']])).toEqual([
      ['exchange-message-tracking', 'Results, final'],
    ]);
  });
});

describe('plain CSV', () => {
  test('the first line is the header; events have no class and are routed like JSON', async () => {
    const path = await files.write(
      'export.csv',
      '\uFEFFTimeCreated,Channel,EventID,Image\n' +
        '2024-01-01T00:00:00Z,Microsoft-Windows-Sysmon/Operational,1,C:\\x.exe\n\n' +
        '#2024-01-02T00:00:00Z,x,2,y\n',
    );
    const r = await readEvents(path);
    expect(r.events.map((e) => [e.line, e.eventClass, e.value['EventID'], e.value['TimeCreated']])).toEqual([
      [2, undefined, '1', '2024-01-01T00:00:00Z'],
      [4, undefined, '2', '#2024-01-02T00:00:00Z'],
    ]);
  });

  test('a stray quote is cut after MAX_RECORD_LINES lines and the lines after it are read', async () => {
    const rows = Array.from({ length: MAX_RECORD_LINES + 5 }, (_, i) => `${i},row`);
    const path = await files.write('stray.csv', ['a,b', '1,"open', ...rows, ''].join('\n'));
    // Detection refuses this file (its head does not parse as CSV): the format is given.
    const r = await readEvents(path, 'csv');
    expect(r.keys).toEqual(['csv-unterminated-quote@2']);
    expect(r.issues[0]!.message).toContain(`cut after ${MAX_RECORD_LINES} lines`);
    // The quote swallowed the next MAX_RECORD_LINES - 1 lines; reading resumes after them.
    expect(r.events.map((e) => e.value['a'])).toEqual(
      rows.slice(MAX_RECORD_LINES - 1).map((row) => row.split(',')[0]),
    );
  });

  test('a quote still open at the end of the file', async () => {
    const r = await readEvents(await files.write('open-end.csv', 'a,b\n1,2\n3,"never\nclosed'));
    expect(r.events.map((e) => e.value)).toEqual([{ a: '1', b: '2' }]);
    expect(r.keys).toEqual(['csv-unterminated-quote@3']);
  });
});

describe('sniffing', () => {
  test.each([
    ['HttpProxy', HTTP_PROXY.join('\n') + '\n', true],
    ['a header and records', 'TimeCreated,EventID,Image\n2024-01-01,1,"C:\\a b.exe"\n2024-01-02,2,x\n', true],
    ['a quoted newline in a record', 'a,b\n"x\ny",z\n', true],
    ['a header alone', 'a,b\n', false],
    ['records that mostly disagree with the header', 'a,b\n1,2\n1,2,3\n1\n', false],
    ['one bad record among good ones', 'a,b\n1,2\n3,4\n5\n', true],
    [
      'a syslog line with commas',
      'Mar  7 09:15:02 host useradd[1]: new user: name=x, UID=0, GID=0\nMar  7 09:15:03 host a: b, c, d\n',
      false,
    ],
    ['a single column', 'a\n1\n', false],
    ['W3C', '#Software: IIS\n#Fields: date time\n', false],
    ['JSON', '{"a":1,"b":2}\n{"a":1,"b":2}\n', false],
  ])('%s → %s', (_name, text, expected) => {
    expect(sniffCsv(Buffer.from(text))).toBe(expected);
  });
});
