import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatBytes,
  formatCount,
  formatTime,
  heatBucket,
  isoToLocalInput,
  levelRank,
  localInputToIso,
  niceMax,
  prettyJson,
  techniqueOfTag,
} from './format.js';

describe('format', () => {
  it('formats counts and bytes', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(undefined)).toBe('–');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
  });

  it('shows times in UTC without fractions, and relative times', () => {
    expect(formatTime('2024-11-05T10:04:31.123456Z')).toBe('2024-11-05 10:04:31Z');
    expect(formatTime(null)).toBe('–');
    expect(formatTime('not a time')).toBe('not a time');
    const now = Date.parse('2024-11-05T12:00:00Z');
    expect(formatAgo('2024-11-05T11:59:30Z', now)).toBe('30 s ago');
    expect(formatAgo('2024-11-05T09:00:00Z', now)).toBe('3 h ago');
    expect(formatAgo('2024-11-01T12:00:00Z', now)).toBe('4 d ago');
    expect(formatAgo('2024-11-05T12:05:00Z', now)).toBe('in 5 min');
  });

  it('ranks levels, worst first', () => {
    expect(levelRank('critical')).toBeGreaterThan(levelRank('high'));
    expect(levelRank('low')).toBeGreaterThan(levelRank('informational'));
    expect(levelRank('bogus')).toBe(-1);
  });

  it('round-trips datetime-local values through ISO', () => {
    const iso = localInputToIso('2024-11-05T10:30');
    expect(iso).toMatch(/^2024-11-0[45]T\d\d:30:00\.000Z$/);
    expect(isoToLocalInput(iso)).toBe('2024-11-05T10:30');
    expect(localInputToIso('')).toBeUndefined();
    expect(localInputToIso('garbage')).toBeUndefined();
  });

  it('reads techniques from Sigma tags', () => {
    expect(techniqueOfTag('attack.t1003.001')).toBe('T1003.001');
    expect(techniqueOfTag('attack.T1059')).toBe('T1059');
    expect(techniqueOfTag('attack.credential_access')).toBeUndefined();
    expect(techniqueOfTag('cve.2021-1675')).toBeUndefined();
  });

  it('buckets heat on a log scale', () => {
    expect(heatBucket(0, 100)).toBe(0);
    expect(heatBucket(1, 1)).toBe(5);
    expect(heatBucket(100, 100)).toBe(5);
    expect(heatBucket(1, 100_000)).toBe(1);
    const buckets = [1, 10, 100, 1000, 10_000, 100_000].map((value) => heatBucket(value, 100_000));
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
  });

  it('rounds chart maxima up to 1, 2 or 5 × 10^n', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(130)).toBe(200);
    expect(niceMax(4200)).toBe(5000);
    expect(niceMax(500)).toBe(500);
  });

  it('pretty-prints events, including values JSON cannot hold', () => {
    expect(prettyJson({ a: '<script>' })).toBe('{\n  "a": "<script>"\n}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(prettyJson(cyclic)).toBe('[object Object]');
    expect(prettyJson(undefined)).toBe('undefined');
  });
});
