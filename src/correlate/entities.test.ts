import { describe, expect, it } from 'vitest';
import { securityEvent, sysmonEvent } from '../../test/helpers/engine.js';
import {
  entityKey,
  extractEntities,
  normaliseAccount,
  normaliseGuid,
  normaliseHost,
  normaliseIp,
  parseHashes,
} from './entities.js';

const keys = (event: unknown): string[] => extractEntities(event).map(entityKey);

const SHA256 = 'a'.repeat(64);
const MD5 = 'b'.repeat(32);

describe('extractEntities', () => {
  it('reads a Sysmon process creation: host, user, hashes of a dropped file, process and parent GUIDs', () => {
    const event = sysmonEvent(
      1,
      {
        Image: 'C:\\Users\\Public\\pd64.exe',
        User: 'ELECTIONS\\Alice',
        Hashes: `SHA1=${'c'.repeat(40)},MD5=${MD5},SHA256=${SHA256},IMPHASH=${'d'.repeat(32)}`,
        ProcessGuid: '{5A1B2C3D-0000-1111-2222-333344445555}',
        ParentProcessGuid: '{5A1B2C3D-0000-1111-2222-999988887777}',
      },
      'EC-WS-0001.elections.local',
    );
    expect(extractEntities(event)).toEqual([
      { kind: 'host', value: 'ec-ws-0001', display: 'EC-WS-0001.elections.local', field: 'Computer' },
      { kind: 'account', value: 'alice', display: 'ELECTIONS\\Alice', field: 'User' },
      { kind: 'file-hash', value: `md5:${MD5}`, display: `MD5=${MD5}`, field: 'Hashes' },
      {
        kind: 'file-hash',
        value: `sha1:${'c'.repeat(40)}`,
        display: `SHA1=${'c'.repeat(40)}`,
        field: 'Hashes',
      },
      { kind: 'file-hash', value: `sha256:${SHA256}`, display: `SHA256=${SHA256}`, field: 'Hashes' },
      {
        kind: 'process',
        value: '5a1b2c3d-0000-1111-2222-333344445555',
        display: '{5A1B2C3D-0000-1111-2222-333344445555}',
        field: 'ProcessGuid',
      },
      {
        kind: 'process',
        value: '5a1b2c3d-0000-1111-2222-999988887777',
        display: '{5A1B2C3D-0000-1111-2222-999988887777}',
        field: 'ParentProcessGuid',
      },
    ]);
  });

  it('drops hashes of Windows’ own binaries and the system account', () => {
    const event = sysmonEvent(1, {
      Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      User: 'NT AUTHORITY\\SYSTEM',
      Hashes: `SHA256=${SHA256}`,
    });
    expect(keys(event)).toEqual(['host:ec-ws-0001']);
  });

  it('reads a Security logon: target account with its domain, source workstation and IP; skips the machine account', () => {
    const event = securityEvent(4624, {
      SubjectUserName: 'EC-DC01$',
      SubjectDomainName: 'ELECTIONS',
      TargetUserName: 'Bob',
      TargetDomainName: 'ELECTIONS',
      WorkstationName: 'EC-WS-0042',
      IpAddress: '::ffff:10.20.30.40',
    });
    expect(extractEntities(event)).toEqual([
      { kind: 'host', value: 'ec-dc01', display: 'EC-DC01', field: 'Computer' },
      { kind: 'host', value: 'ec-ws-0042', display: 'EC-WS-0042', field: 'WorkstationName' },
      { kind: 'account', value: 'bob', display: 'ELECTIONS\\Bob', field: 'TargetUserName' },
      { kind: 'source-ip', value: '10.20.30.40', display: '::ffff:10.20.30.40', field: 'IpAddress' },
    ]);
  });

  it('ignores loopback and placeholder source addresses', () => {
    for (const ip of ['127.0.0.1', '::1', '-', '', '0.0.0.0', 'not-an-ip'])
      expect(keys(securityEvent(4625, { IpAddress: ip, TargetUserName: '-' }))).toEqual(['host:ec-dc01']);
  });

  it('reads an IIS (W3C) record: user and client IP', () => {
    const record = {
      date: '2026-11-22',
      time: '03:14:07',
      's-ip': '10.20.0.15',
      'cs-uri-stem': '/Autodiscover/Autodiscover.xml',
      'cs-username': 'ELECTIONS\\deputy.officer',
      'c-ip': '198.51.100.23',
      's-computername': 'EXCH01',
    };
    expect(keys(record)).toEqual(['host:exch01', 'account:deputy.officer', 'source-ip:198.51.100.23']);
  });

  it('reads flat NXLog and Winlogbeat-shaped events the same way as evtx_dump JSON', () => {
    const flat = {
      Hostname: 'ec-ws-0001.elections.local',
      Computer: 'EC-WS-0001',
      EventID: 4688,
      SubjectUserName: 'alice',
      SubjectDomainName: 'ELECTIONS',
    };
    const winlogbeat = {
      winlog: {
        computer_name: 'EC-WS-0001',
        event_data: { SubjectUserName: 'alice', SubjectDomainName: 'ELECTIONS' },
      },
    };
    const evtx = securityEvent(4688, { SubjectUserName: 'alice', SubjectDomainName: 'ELECTIONS' });
    const expected = ['account:alice'];
    expect(keys(flat)).toEqual(['host:ec-ws-0001', ...expected]);
    expect(keys(winlogbeat)).toEqual(['host:ec-ws-0001', ...expected]);
    expect(keys(evtx)).toEqual(['host:ec-dc01', ...expected]);
  });

  it('is the same whatever order the fields come in, and empty for non-objects', () => {
    const a = {
      Computer: 'H1',
      User: 'D\\u',
      SourceIp: '10.0.0.9',
      ProcessGuid: '{11111111-2222-3333-4444-555555555555}',
    };
    const b = Object.fromEntries(Object.entries(a).reverse());
    expect(extractEntities(b)).toEqual(extractEntities(a));
    expect(extractEntities(null)).toEqual([]);
    expect(extractEntities('text')).toEqual([]);
    expect(extractEntities([1])).toEqual([]);
  });
});

describe('normalisers', () => {
  it('hosts: first label, lowercase; IPs whole; placeholders dropped', () => {
    expect(normaliseHost('EC-WS-0001.Elections.Local')).toBe('ec-ws-0001');
    expect(normaliseHost('\\\\FILESRV01')).toBe('filesrv01');
    expect(normaliseHost('10.1.2.3')).toBe('10.1.2.3');
    expect(normaliseHost('-')).toBeUndefined();
    expect(normaliseHost('localhost')).toBeUndefined();
  });

  it('accounts: user name without domain or UPN suffix; service identities and machine accounts dropped', () => {
    expect(normaliseAccount('ELECTIONS\\Alice')).toBe('alice');
    expect(normaliseAccount('alice@elections.gov')).toBe('alice');
    expect(normaliseAccount('elections.local/Users/Administrator')).toBe('administrator');
    for (const service of [
      'NT AUTHORITY\\SYSTEM',
      'SYSTEM',
      'LOCAL SERVICE',
      'NETWORK SERVICE',
      'ANONYMOUS LOGON',
      'DWM-3',
      'UMFD-0',
      'WS01$',
      '-',
      'S-1-5-18',
    ])
      expect(normaliseAccount(service), service).toBeUndefined();
  });

  it('IPs: canonical, mapped IPv4 unwrapped, loopback dropped', () => {
    expect(normaliseIp('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normaliseIp('[2001:db8::1]')).toBe('2001:db8::1');
    expect(normaliseIp('127.0.0.53')).toBeUndefined();
    expect(normaliseIp('::1')).toBeUndefined();
  });

  it('GUIDs: braces and case removed, all-zero dropped', () => {
    expect(normaliseGuid('{ABCDEF01-2345-6789-ABCD-EF0123456789}')).toBe(
      'abcdef01-2345-6789-abcd-ef0123456789',
    );
    expect(normaliseGuid('{00000000-0000-0000-0000-000000000000}')).toBeUndefined();
    expect(normaliseGuid('1234')).toBeUndefined();
  });

  it('Hashes: known algorithms of the right length only', () => {
    expect(parseHashes(`SHA256=${SHA256},MD5=${MD5},IMPHASH=${MD5},SHA1=short`)).toEqual([
      ['sha256', SHA256],
      ['md5', MD5],
    ]);
  });
});

describe('correlation alerts', () => {
  it('take their entities from the group: an IP under any name, known host and account fields', () => {
    const event = {
      correlation: {
        type: 'value_count',
        group: {
          auth_source: '::ffff:10.10.2.21',
          TargetUserName: 'ELECTIONS\\Alice',
          Computer: 'DC01.elections.local',
          odd: 'x',
        },
        values: ['bob', 'carol'],
      },
    };
    expect(extractEntities(event).map((e) => [e.kind, e.value, e.field])).toEqual([
      ['host', 'dc01', 'correlation.group.Computer'],
      ['account', 'alice', 'correlation.group.TargetUserName'],
      ['source-ip', '10.10.2.21', 'correlation.group.auth_source'],
    ]);
  });

  it('a summary without a group has no entities', () => {
    expect(extractEntities({ correlation: { type: 'temporal', values: ['10.0.0.1'] } })).toEqual([]);
  });
});
