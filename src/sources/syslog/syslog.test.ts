import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixtureDir, readEvents } from '../text/testing.js';
import { parseSyslog, parseSysmonEvent, readBsdTimestamp, rfc3339ToIso, sniffSyslog } from './index.js';

let files: Awaited<ReturnType<typeof fixtureDir>>;
beforeAll(async () => {
  files = await fixtureDir('bg-syslog-');
});
afterAll(async () => {
  await files.cleanup();
});

const REFERENCE = Date.UTC(2024, 2, 8, 0, 0, 0); // 8 March 2024

function event(line: string, reference = REFERENCE): Record<string, unknown> {
  const r = parseSyslog(line, reference);
  if (!r.ok) throw new Error('a syslog line is always kept');
  return r.value;
}

describe('RFC 3164 / BSD', () => {
  test('a line of /var/log/auth.log', () => {
    expect(
      event('Mar  7 09:15:02 web01 sshd[812]: Accepted publickey for alice from 10.0.0.9 port 52211 ssh2'),
    ).toEqual({
      timestamp: '2024-03-07T09:15:02Z',
      hostname: 'web01',
      program: 'sshd',
      pid: 812,
      message: 'Accepted publickey for alice from 10.0.0.9 port 52211 ssh2',
    });
  });

  test('as received, with <PRI>: facility and severity by name', () => {
    expect(event('<86>Mar  7 11:12:13 vpn01 sudo: alice : TTY=pts/0 ; COMMAND=/bin/id')).toEqual({
      priority: 86,
      facility: 'authpriv',
      severity: 'info',
      timestamp: '2024-03-07T11:12:13Z',
      hostname: 'vpn01',
      program: 'sudo',
      message: 'alice : TTY=pts/0 ; COMMAND=/bin/id',
    });
  });

  test('no host name (the tag follows the time), a fraction, and a tag without pid', () => {
    expect(event('Mar  7 09:15:02.250 kernel: [ 12.3] eth0: link up')).toEqual({
      timestamp: '2024-03-07T09:15:02.250Z',
      program: 'kernel',
      message: '[ 12.3] eth0: link up',
    });
  });

  test('rsyslog high-precision (RFC 3339) timestamps are converted to UTC', () => {
    expect(
      event('2024-03-07T09:15:02.123456+01:00 db01 CRON[4411]: (root) CMD (run-parts /etc/cron.hourly)'),
    ).toMatchObject({
      timestamp: '2024-03-07T08:15:02.123Z',
      hostname: 'db01',
      program: 'CRON',
      pid: 4411,
    });
  });

  test('Cisco-style timestamps with a year keep it', () => {
    expect(event('<189>Jan  2 2023 10:00:00 fw01 %ASA-5-111008: User enable_15 executed cmd')).toMatchObject({
      timestamp: '2023-01-02T10:00:00Z',
      hostname: 'fw01',
    });
  });

  test('a message with no tag is all message', () => {
    expect(event('Mar  7 09:15:02 web01 -- MARK --')).toEqual({
      timestamp: '2024-03-07T09:15:02Z',
      hostname: 'web01',
      message: '-- MARK --',
    });
  });
});

describe('the year of a BSD timestamp', () => {
  test('the file time year, unless that puts the line in the future', () => {
    const newYear = Date.UTC(2025, 0, 1, 0, 30);
    expect(readBsdTimestamp('Dec 31 23:59:58 h', newYear)?.iso).toBe('2024-12-31T23:59:58Z');
    expect(readBsdTimestamp('Jan  1 00:10:00 h', newYear)?.iso).toBe('2025-01-01T00:10:00Z');
  });

  test('a day of slack for zones and clock skew', () => {
    const noon = Date.UTC(2024, 5, 10, 12);
    expect(readBsdTimestamp('Jun 11 06:00:00 h', noon)?.iso).toBe('2024-06-11T06:00:00Z');
    expect(readBsdTimestamp('Jun 12 06:00:00 h', noon)?.iso).toBe('2023-06-12T06:00:00Z');
  });

  test('the per-file cache of years gives the same answers as working each one out', () => {
    const reference = Date.UTC(2025, 0, 1, 6);
    const years = new Map<number, number>();
    const stamps = [
      'Dec 30 10:00:00',
      'Dec 31 23:59:58',
      'Jan  1 00:00:03',
      'Jan  1 23:00:00',
      'Jan  2 05:00:00',
      'Dec 30 11:00:00',
    ];
    for (const stamp of [...stamps, ...stamps]) {
      expect(readBsdTimestamp(`${stamp} h`, reference, years)).toEqual(
        readBsdTimestamp(`${stamp} h`, reference),
      );
    }
  });

  test('Feb 29 goes back to the last leap year; impossible dates are not timestamps', () => {
    expect(readBsdTimestamp('Feb 29 10:00:00 h', Date.UTC(2023, 5, 1))?.iso).toBe('2020-02-29T10:00:00Z');
    expect(readBsdTimestamp('Feb 30 10:00:00 h', REFERENCE)).toBeUndefined();
    expect(readBsdTimestamp('Foo  7 10:00:00 h', REFERENCE)).toBeUndefined();
    expect(readBsdTimestamp('Mar  7 25:00:00 h', REFERENCE)).toBeUndefined();
  });
});

describe('RFC 5424', () => {
  test('the RFC example with structured data and a BOM', () => {
    const line =
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ' +
      '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] ' +
      '\uFEFFAn application event log entry...';
    expect(event(line)).toEqual({
      priority: 165,
      facility: 'local4',
      severity: 'notice',
      version: 1,
      timestamp: '2003-10-11T22:14:15.003Z',
      hostname: 'mymachine.example.com',
      program: 'evntslog',
      msgid: 'ID47',
      structured_data: {
        'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
        'examplePriority@32473': { class: 'high' },
      },
      message: 'An application event log entry...',
    });
  });

  test('escapes in parameter values, nil fields, no message', () => {
    expect(event('<13>1 2003-08-24T05:14:15.000003-07:00 - - 8710 - [a@1 p="x \\"y\\" \\] z\\\\"]')).toEqual({
      priority: 13,
      facility: 'user',
      severity: 'notice',
      version: 1,
      timestamp: '2003-08-24T12:14:15.000Z',
      pid: 8710,
      structured_data: { 'a@1': { p: 'x "y" ] z\\' } },
    });
  });

  test('malformed structured data stays in the message', () => {
    expect(event('<13>1 - host app - - [broken message')).toMatchObject({
      hostname: 'host',
      program: 'app',
      message: '[broken message',
    });
  });
});

describe('lines without a timestamp, bad priorities', () => {
  test.each([
    ['just some text', { message: 'just some text' }],
    ['Error: something broke', { message: 'Error: something broke' }],
    [
      '<13>sshd[1]: no time here',
      {
        priority: 13,
        facility: 'user',
        severity: 'notice',
        program: 'sshd',
        pid: 1,
        message: 'no time here',
      },
    ],
    ['<13>1 - host app - - - nil time', { priority: 13, version: 1, hostname: 'host', message: 'nil time' }],
    [
      '<13>1 yesterday host app - - - bad time',
      { priority: 13, version: 1, hostname: 'host', message: 'bad time' },
    ],
  ])('%j is kept with a syslog-no-timestamp warning', (line, expected) => {
    const r = parseSyslog(line, REFERENCE);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value).toMatchObject(expected);
      expect(r.value['timestamp']).toBeUndefined();
      expect(r.warning?.code).toBe('syslog-no-timestamp');
    }
  });

  test('a priority above 191 is reported and ignored', () => {
    const r = parseSyslog('<999>Mar  7 09:15:02 h a: b', REFERENCE);
    expect(r.ok && r.warning).toMatchObject({ code: 'syslog-bad-priority', column: 1 });
    expect(r.ok && r.value).toEqual({
      timestamp: '2024-03-07T09:15:02Z',
      hostname: 'h',
      program: 'a',
      message: 'b',
    });
  });
});

describe('Sysmon for Linux', () => {
  const xml =
    '<Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>1</EventID>' +
    '<Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>' +
    '<TimeCreated SystemTime="2024-03-07T09:15:02.102333000Z"/><EventRecordID>4411</EventRecordID><Correlation/>' +
    '<Execution ProcessID="812" ThreadID="812"/><Channel>Linux-Sysmon/Operational</Channel><Computer>web01</Computer>' +
    '<Security UserId="0"/></System><EventData><Data Name="RuleName">-</Data><Data Name="Image">/usr/bin/curl</Data>' +
    '<Data Name="CommandLine">curl -s &quot;http://x/?a=1&amp;b=2&quot; &lt;in</Data><Data Name="Empty"></Data></EventData></Event>';

  test('the XML becomes the evtx_dump shape, with class sysmon-linux', () => {
    const r = parseSyslog(`Mar  7 09:15:02 web01 sysmon: ${xml}`, REFERENCE);
    expect(r.ok && r.eventClass).toBe('sysmon-linux');
    expect(r.ok && r.value).toEqual({
      timestamp: '2024-03-07T09:15:02Z',
      hostname: 'web01',
      program: 'sysmon',
      Event: {
        System: {
          Provider: {
            '#attributes': { Name: 'Linux-Sysmon', Guid: '{ff032593-a8d3-4f13-b0d6-01fc615a0f97}' },
          },
          EventID: 1,
          Version: 5,
          Level: 4,
          Task: 1,
          Opcode: 0,
          Keywords: '0x8000000000000000',
          TimeCreated: { '#attributes': { SystemTime: '2024-03-07T09:15:02.102333000Z' } },
          EventRecordID: 4411,
          Correlation: null,
          Execution: { '#attributes': { ProcessID: '812', ThreadID: '812' } },
          Channel: 'Linux-Sysmon/Operational',
          Computer: 'web01',
          Security: { '#attributes': { UserId: '0' } },
        },
        EventData: {
          RuleName: '-',
          Image: '/usr/bin/curl',
          CommandLine: 'curl -s "http://x/?a=1&b=2" <in',
          Empty: '',
        },
      },
    });
  });

  test.each([
    ['not XML', 'Started the sysmon service'],
    ['unclosed', '<Event><System></System><EventData>'],
    ['mismatched', '<Event><System></EventData></Event>'],
    ['a comment', '<Event><!-- x --><System/><EventData/></Event>'],
    ['an unknown entity', '<Event><System><Channel>&bogus;</Channel></System><EventData/></Event>'],
    ['trailing text', '<Event><System/><EventData/></Event> and more'],
    ['too deep', `<Event>${'<a>'.repeat(20)}${'</a>'.repeat(20)}<System/><EventData/></Event>`],
  ])('anything else (%s) stays a syslog message', (_name, message) => {
    expect(parseSysmonEvent(message)).toBeUndefined();
    const r = parseSyslog(`Mar  7 09:15:02 web01 sysmon: ${message}`, REFERENCE);
    expect(r.ok && r.eventClass).toBeUndefined();
    expect(r.ok && r.value['message']).toBe(message);
  });
});

describe('reading files', () => {
  test('the year comes from the file time; positions are exact', async () => {
    const path = await files.write(
      'auth.log',
      'Dec 31 23:59:58 h sshd[1]: before\nJan  1 00:00:03 h sshd[1]: after\n',
      new Date(Date.UTC(2025, 0, 1, 6)),
    );
    const r = await readEvents(path);
    expect(r.formats).toEqual(['syslog']);
    expect(r.events.map((e) => [e.line, e.offset, e.eventClass, e.value['timestamp']])).toEqual([
      [1, 0, 'syslog', '2024-12-31T23:59:58Z'],
      [2, 34, 'syslog', '2025-01-01T00:00:03Z'],
    ]);
  });

  test('an octet-counted capture (RFC 6587), with a count too small in the middle', async () => {
    const frames = [
      '<13>1 2024-03-07T09:15:02Z h app - - - one',
      '<13>1 2024-03-07T09:15:03Z h app - - - two\nlines',
    ];
    const body =
      frames.map((f) => `${Buffer.byteLength(f)} ${f}`).join('') +
      '9 <13>1 2024-03-07T09:15:04Z h app - - - three\n';
    const r = await readEvents(await files.write('capture.log', body));
    expect(r.formats).toEqual(['syslog']);
    // The short frame ends inside the timestamp; the rest of the line is read as a line of its own.
    expect(r.events.map((e) => [e.line, e.value['message']])).toEqual([
      [1, 'one'],
      [1, 'two\nlines'],
      [2, undefined],
      [2, '4-03-07T09:15:04Z h app - - - three'],
    ]);
    expect(r.keys).toEqual(['syslog-bad-octet-count@2', 'syslog-no-timestamp@2', 'syslog-no-timestamp@2']);
  });

  test('warnings for lines without timestamps are counted per line; the events are kept', async () => {
    const path = await files.write(
      'mixed.log',
      'Mar  7 09:15:02 h a: ok\n  at java.lang.Thread.run\n\tmore\n',
    );
    // Mostly not syslog lines: detection would refuse the file, so the format is given.
    const r = await readEvents(path, 'syslog');
    expect(r.events).toHaveLength(3);
    expect(r.keys).toEqual(['syslog-no-timestamp@2', 'syslog-no-timestamp@3']);
  });
});

describe('sniffing', () => {
  test.each([
    ['auth.log', 'Mar  7 09:15:02 web01 sshd[812]: Accepted\nMar  7 09:15:03 web01 sshd[812]: x\n', true],
    ['RFC 5424', '<34>1 2003-10-11T22:14:15.003Z host su - ID47 - msg\n', true],
    ['octet counted', '45 <34>1 2003-10-11T22:14:15.003Z host su - - -', true],
    ['rsyslog RFC 3339', '2024-03-07T09:15:02.123456+01:00 db01 CRON[1]: x\n', true],
    [
      'a stack trace after the first line',
      'Mar  7 09:15:02 h java: Exception\n\tat a\n\tat b\nMar  7 09:15:03 h java: x\n',
      true,
    ],
    ['CSV with ISO times', 'time,a\n2024-03-07T09:15:02Z,1\n', false],
    ['JSON', '{"a":1}\n', false],
    ['XML', '<Event><System/></Event>\n', false],
    ['prose', 'Hello there.\nThis is text.\n', false],
  ])('%s → %s', (_name, text, expected) => {
    expect(sniffSyslog(Buffer.from(text))).toBe(expected);
  });

  test('RFC 3339 validation', () => {
    expect(rfc3339ToIso('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(rfc3339ToIso('2024-02-29T23:59:60Z')).toBe('2024-02-29T23:59:60Z');
    expect(rfc3339ToIso('2024-03-07T09:15:02+0100')).toBe('2024-03-07T08:15:02Z');
  });
});
