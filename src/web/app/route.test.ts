import { describe, expect, it } from 'vitest';
import { buildHash, idParam, matchPattern, parseHash } from './route.js';

describe('parseHash', () => {
  it('reads the path and the query', () => {
    const where = parseHash('#/alerts?host=dc01&level=high%2Ccritical');
    expect(where.path).toBe('/alerts');
    expect(where.query.get('host')).toBe('dc01');
    expect(where.query.get('level')).toBe('high,critical');
  });

  it('treats an empty hash and a missing slash as routes', () => {
    expect(parseHash('').path).toBe('/');
    expect(parseHash('#').path).toBe('/');
    expect(parseHash('#incidents').path).toBe('/incidents');
  });
});

describe('buildHash', () => {
  it('drops empty values and round-trips through parseHash', () => {
    const hash = buildHash('/alerts', {
      host: 'DC 01',
      rule: '',
      technique: undefined,
      level: 'high,critical',
    });
    expect(hash).toBe('#/alerts?host=DC+01&level=high%2Ccritical');
    const where = parseHash(hash);
    expect(Object.fromEntries(where.query)).toEqual({ host: 'DC 01', level: 'high,critical' });
  });

  it('leaves a bare path when nothing is set', () => {
    expect(buildHash('/incidents', { status: '' })).toBe('#/incidents');
  });
});

describe('matchPattern', () => {
  it('binds parameters and decodes them', () => {
    expect(matchPattern('/incidents/:id', '/incidents/42')).toEqual({ id: '42' });
    expect(matchPattern('/hunt/:id', '/hunt/a%20b')).toEqual({ id: 'a b' });
  });

  it('rejects other shapes and malformed escapes', () => {
    expect(matchPattern('/incidents/:id', '/incidents')).toBeUndefined();
    expect(matchPattern('/incidents/:id', '/alerts/4')).toBeUndefined();
    expect(matchPattern('/incidents/:id', '/incidents/%E0%A4%A')).toBeUndefined();
    expect(matchPattern('/', '/')).toEqual({});
  });
});

describe('idParam', () => {
  it('accepts positive integers only', () => {
    expect(idParam('7')).toBe(7);
    for (const bad of [undefined, '', '0', '-1', '1.5', '07', 'abc', '1e3', '99999999999999999'])
      expect(idParam(bad)).toBeUndefined();
  });
});
