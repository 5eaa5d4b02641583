import { describe, expect, it } from 'vitest';
import { alertEntities, entityFilterValue } from './alert-entities.js';
import { fingerprintOf, prepareAlert, prepareBatch, recordPosition, techniquesOf } from './fingerprint.js';
import { makeAlert } from './store.contract.js';
import { isoToMicros, microsToIso } from './time.js';

describe('alert entities', () => {
  it('reads host, account and IP from evtx_dump-shaped events, lowercased', () => {
    expect(
      alertEntities({
        Event: {
          System: { Computer: 'DC01.Corp.Local' },
          EventData: { TargetUserName: 'Administrator', IpAddress: '10.0.0.5' },
        },
      }),
    ).toEqual({ host: 'dc01', account: 'administrator', sourceIp: '10.0.0.5' });
  });

  it('reads Winlogbeat, ECS, W3C and flat layouts', () => {
    expect(
      alertEntities({
        winlog: { computer_name: 'WS7', event_data: { SubjectUserName: 'CORP\\bob', IpAddress: '::1' } },
      }),
    ).toEqual({ host: 'ws7', account: 'bob', sourceIp: null });
    expect(
      alertEntities({ host: { name: 'web01' }, user: { name: 'svc' }, source: { ip: '203.0.113.9' } }),
    ).toEqual({
      host: 'web01',
      account: 'svc',
      sourceIp: '203.0.113.9',
    });
    expect(alertEntities({ 's-computername': 'EXCH01', 'cs-username': '-', 'c-ip': '198.51.100.7' })).toEqual(
      {
        host: 'exch01',
        account: null,
        sourceIp: '198.51.100.7',
      },
    );
  });

  it('treats "-" and empty values as absent and survives non-objects', () => {
    expect(alertEntities({ Computer: '-', User: '', src_ip: ' ' })).toEqual({
      host: null,
      account: null,
      sourceIp: null,
    });
    expect(alertEntities(null)).toEqual({ host: null, account: null, sourceIp: null });
    expect(alertEntities([1, 2])).toEqual({ host: null, account: null, sourceIp: null });
  });
});

describe('entity filters', () => {
  it('normalise typed values as stored ones are', () => {
    expect(entityFilterValue('host', 'DC01.corp.local')).toBe('dc01');
    expect(entityFilterValue('account', 'CORP\\Alice')).toBe('alice');
    expect(entityFilterValue('sourceIp', '::ffff:10.0.0.5')).toBe('10.0.0.5');
    expect(entityFilterValue('account', 'SYSTEM')).toBe('system');
  });
});

describe('fingerprints', () => {
  const hour = 3600;
  it('depend on rule, host, account, IP and the hour, not on case or the record', () => {
    const a = prepareAlert(
      makeAlert({ host: 'DC01', account: 'Alice', time: '2026-11-03T06:05:00Z', line: 1 }),
      hour,
    );
    const b = prepareAlert(
      makeAlert({ host: 'dc01', account: 'alice', time: '2026-11-03T06:55:00Z', line: 9 }),
      hour,
    );
    const c = prepareAlert(
      makeAlert({ host: 'dc01', account: 'alice', time: '2026-11-03T07:00:00Z', line: 10 }),
      hour,
    );
    const d = prepareAlert(
      makeAlert({ host: 'dc01', account: 'alice', time: '2026-11-03T06:05:00Z', rule: 'x' }),
      hour,
    );
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
    expect(d.fingerprint).not.toBe(a.fingerprint);
    expect(
      prepareAlert(makeAlert({ host: 'dc01', account: 'alice', time: '2026-11-03T07:00:00Z' }), 2 * hour)
        .fingerprint,
    ).toBe(
      prepareAlert(makeAlert({ host: 'dc01', account: 'alice', time: '2026-11-03T06:00:00Z' }), 2 * hour)
        .fingerprint,
    );
  });

  it('use the record position when the event names no entity', () => {
    const one = prepareAlert(makeAlert({ line: 1 }), hour);
    const two = prepareAlert(makeAlert({ line: 2 }), hour);
    expect(one.fingerprint).not.toBe(two.fingerprint);
    expect(
      fingerprintOf('r', { host: null, account: null, sourceIp: null }, null, hour, {
        path: 'p',
        position: 1,
      }),
    ).toMatch(/^[0-9a-f]{32}$/);
  });

  it('take the position from the offset, else the record, else the line', () => {
    expect(recordPosition(makeAlert({ line: 3 }))).toBe(200);
    const base = makeAlert({});
    expect(recordPosition({ ...base, source: { path: 'p', format: 'x', record: 7, line: 9 } })).toBe(7);
    expect(recordPosition({ ...base, source: { path: 'p', format: 'x', line: 9 } })).toBe(9);
    expect(recordPosition({ ...base, source: { path: 'p', format: 'x' } })).toBeNull();
  });

  it('drop the second copy of an occurrence within a batch', () => {
    const alert = makeAlert({ host: 'h' });
    const { prepared, duplicates } = prepareBatch([alert, alert, makeAlert({ host: 'h', line: 2 })], hour);
    expect(prepared).toHaveLength(2);
    expect(duplicates).toBe(1);
  });
});

describe('techniques and times', () => {
  it('extracts ATT&CK techniques with their parents', () => {
    expect(
      techniquesOf(['attack.credential_access', 'attack.t1003.001', 'attack.T1110', 'cve.2021-26855']).sort(),
    ).toEqual(['t1003', 't1003.001', 't1110']);
  });

  it('keeps microseconds and round-trips ISO times', () => {
    expect(isoToMicros('2026-11-03T06:00:00.123456Z')).toBe(Date.UTC(2026, 10, 3, 6) * 1000 + 123456);
    expect(isoToMicros('2026-11-03T06:00:00Z')).toBe(Date.UTC(2026, 10, 3, 6) * 1000);
    expect(isoToMicros('2026-11-03T06:00:00.1234567Z')).toBe(Date.UTC(2026, 10, 3, 6) * 1000 + 123456);
    expect(isoToMicros('')).toBeNull();
    expect(isoToMicros('not a time')).toBeNull();
    expect(isoToMicros('2026-11-03')).toBe(Date.UTC(2026, 10, 3) * 1000);
    expect(microsToIso(Date.UTC(2026, 10, 3, 6) * 1000 + 123456)).toBe('2026-11-03T06:00:00.123456Z');
    expect(microsToIso(Date.UTC(2026, 10, 3, 6) * 1000 + 5000)).toBe('2026-11-03T06:00:00.005Z');
    expect(microsToIso(Date.UTC(1969, 11, 31, 23, 59, 59) * 1000 + 1)).toBe('1969-12-31T23:59:59.000001Z');
  });
});
