import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixtureDir, readEvents } from '../text/testing.js';
import { archName, parseAuditRecord, sniffAuditd, syscallName } from './index.js';

let files: Awaited<ReturnType<typeof fixtureDir>>;
beforeAll(async () => {
  files = await fixtureDir('bg-auditd-');
});
afterAll(async () => {
  await files.cleanup();
});

const hex = (text: string): string => Buffer.from(text).toString('hex').toUpperCase();

function event(line: string): Record<string, unknown> {
  const r = parseAuditRecord(line);
  if (!r.ok) throw new Error(r.problem.message);
  return r.value;
}

describe('records', () => {
  test('a RAW SYSCALL record: header fields, values as written, ARCH and SYSCALL added', () => {
    expect(
      event(
        'type=SYSCALL msg=audit(1610000000.123:456): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=0 ' +
          'items=2 ppid=100 pid=101 auid=4294967295 uid=33 euid=33 tty=(none) comm="sh" exe="/usr/bin/dash" key=(null)',
      ),
    ).toEqual({
      type: 'SYSCALL',
      timestamp: '2021-01-07T06:13:20.123Z',
      serial: 456,
      arch: 'c000003e',
      syscall: '59',
      success: 'yes',
      exit: '0',
      a0: '55d1',
      a1: '0',
      items: '2',
      ppid: '100',
      pid: '101',
      auid: '4294967295',
      uid: '33',
      euid: '33',
      tty: '(none)',
      comm: 'sh',
      exe: '/usr/bin/dash',
      key: null,
      ARCH: 'x86_64',
      SYSCALL: 'execve',
    });
  });

  test('an ENRICHED record keeps its own interpreted fields', () => {
    expect(
      event(
        'type=SYSCALL msg=audit(1610000000.000:7): arch=c00000b7 syscall=221 comm="x" key="a"\u001dARCH=aarch64 SYSCALL=execve AUID="alice" UID="root"',
      ),
    ).toMatchObject({ ARCH: 'aarch64', SYSCALL: 'execve', AUID: 'alice', UID: 'root' });
  });

  test('EXECVE arguments: quoted ones as written, hex-encoded ones decoded, long ones joined', () => {
    const long = 'x'.repeat(30) + ' tail';
    const value = event(
      `type=EXECVE msg=audit(1610000000.123:456): argc=4 a0="sh" a1="-c" a2=${hex('id; whoami')} ` +
        `a3_len=${long.length} a3[0]=${hex(long.slice(0, 20))} a3[1]=${hex(long.slice(20))}`,
    );
    expect(value).toEqual({
      type: 'EXECVE',
      timestamp: '2021-01-07T06:13:20.123Z',
      serial: 456,
      argc: '4',
      a0: 'sh',
      a1: '-c',
      a2: 'id; whoami',
      a3: long,
    });
  });

  test('hex is decoded only where auditd encodes: not in SYSCALL arguments or numbers', () => {
    const value = event(
      `type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=2 a0=ABCD comm=${hex('my prog')} key=${hex('k1\u0001k2')}`,
    );
    expect(value).toMatchObject({ a0: 'ABCD', comm: 'my prog', key: ['k1', 'k2'] });
  });

  test('PROCTITLE: NULs between arguments become spaces', () => {
    expect(
      event(`type=PROCTITLE msg=audit(1.000:1): proctitle=${hex('tee\0/etc/ld.so.preload\0')}`),
    ).toMatchObject({
      proctitle: 'tee /etc/ld.so.preload',
    });
  });

  test("user-space records: the inner msg='…' is flattened; ? is null", () => {
    expect(
      event(
        'type=SERVICE_STOP msg=audit(1610000002.000:458): pid=1 uid=0 msg=\'unit=firewalld comm="systemd" ' +
          'exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success\'',
      ),
    ).toEqual({
      type: 'SERVICE_STOP',
      timestamp: '2021-01-07T06:13:22.000Z',
      serial: 458,
      pid: '1',
      uid: '0',
      unit: 'firewalld',
      comm: 'systemd',
      exe: '/usr/lib/systemd/systemd',
      hostname: null,
      addr: null,
      terminal: null,
      res: 'success',
    });
    expect(
      event(`type=USER_CMD msg=audit(1.000:1): pid=1 msg='cwd="/root" cmd=${hex('ls -la')} res=success'`),
    ).toMatchObject({
      cwd: '/root',
      cmd: 'ls -la',
    });
    expect(event("type=DAEMON_START msg=audit(1.000:1): msg='auditd started'")).toMatchObject({
      msg: 'auditd started',
    });
  });

  test('words that are not key=value, an = alone included, are kept as text', () => {
    expect(event('type=X msg=audit(1.000:1): =oops a=b = c=d')).toMatchObject({
      a: 'b',
      c: 'd',
      text: '=oops =',
    });
  });

  test('forwarded logs carry node=; AVC text is kept', () => {
    expect(
      event(
        'node=web01 type=AVC msg=audit(1.500:9): avc:  denied  { read } for  pid=5 comm="cat" name="shadow"',
      ),
    ).toEqual({
      type: 'AVC',
      timestamp: '1970-01-01T00:00:01.500Z',
      serial: 9,
      node: 'web01',
      pid: '5',
      comm: 'cat',
      name: 'shadow',
      text: 'avc: denied { read } for',
    });
  });

  test('ausearch -i output: local time read as UTC, values already interpreted', () => {
    expect(
      event(
        'type=SYSCALL msg=audit(03/10/2024 12:00:00.123:456) : arch=x86_64 syscall=execve euid=www-data comm=sh',
      ),
    ).toMatchObject({
      timestamp: '2024-03-10T12:00:00.123Z',
      serial: 456,
      ARCH: 'x86_64',
      SYSCALL: 'execve',
    });
  });

  test.each([
    'garbage line',
    'type=SYSCALL arch=c000003e',
    'type=X msg=audit(abc:1): a=b',
    'msg=audit(1.0:1): type=X',
  ])('%j is not a record', (line) => {
    const r = parseAuditRecord(line);
    expect(r.ok ? undefined : r.problem.code).toBe('auditd-bad-record');
  });

  test('syscall tables', () => {
    expect(archName('C000003E')).toBe('x86_64');
    expect(syscallName('c000003e', '59')).toBe('execve');
    expect(syscallName('40000003', '11')).toBe('execve');
    expect(syscallName('c00000b7', '221')).toBe('execve');
    expect(syscallName('c000003e', '319')).toBe('memfd_create');
    expect(syscallName('c000003e', '99999')).toBeUndefined();
    expect(syscallName('deadbeef', '1')).toBeUndefined();
  });
});

describe('reading files', () => {
  test('one event per record line, class auditd; ausearch separators are skipped quietly', async () => {
    const path = await files.write(
      'audit.log',
      [
        '----',
        'time->Thu Jan  7 06:13:20 2021',
        'type=SYSCALL msg=audit(1610000000.123:456): arch=c000003e syscall=59 comm="sh"',
        'type=EXECVE msg=audit(1610000000.123:456): argc=1 a0="id"',
        'not a record',
        '',
      ].join('\n'),
    );
    const r = await readEvents(path);
    expect(r.formats).toEqual(['auditd']);
    expect(r.events.map((e) => [e.line, e.record, e.eventClass, e.value['type']])).toEqual([
      [3, 1, 'auditd', 'SYSCALL'],
      [4, 2, 'auditd', 'EXECVE'],
    ]);
    expect(r.keys).toEqual(['auditd-bad-record@5']);
  });
});

describe('sniffing', () => {
  test.each([
    ['audit.log', 'type=DAEMON_START msg=audit(1610000000.123:1): op=start\n', true],
    ['forwarded', 'node=web01 type=SYSCALL msg=audit(1.0:1): a=b\n', true],
    ['ausearch', '----\ntime->Thu Jan  7 06:13:20 2021\ntype=SYSCALL msg=audit(1.0:1): a=b\n', true],
    ['syslog carrying audit text', 'Mar  7 09:15:02 h audit: type=1400 audit(1.0:1): x\n', false],
    ['key=value text', 'type=foo bar=baz\n', false],
  ])('%s → %s', (_name, text, expected) => {
    expect(sniffAuditd(Buffer.from(text))).toBe(expected);
  });
});
