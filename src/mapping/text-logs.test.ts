/**
 * The text-log half of the default mapping (text-logs.yaml) and the mapping features it relies on: class
 * variants and `~` (the rule must not name the key). Routing itself is tested in src/detect/event-class.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { defaultMapping, mergeMappings, parseMapping, resolveLogsource } from './mapping.js';
import type { LogsourceMatch, LogsourceResolution } from './mapping.js';

const resolve = (logsource: LogsourceMatch): LogsourceResolution =>
  resolveLogsource(defaultMapping(), logsource);

function classes(r: LogsourceResolution): [string, string[], [string, string[]][]][] {
  return r.classes.map((v) => [v.name, [...v.classes], v.conditions.map((c) => [c.field, [...c.values]])]);
}

describe('the default mapping for text logs', () => {
  it('gives webserver rules the W3C class and Exchange HttpProxy logs with renamed fields', () => {
    const r = resolve({ category: 'webserver' });
    expect(r.kind).toBe('generic');
    expect(classes(r)).toEqual([
      ['webserver/w3c', ['w3c'], []],
      ['webserver/exchange-httpproxy', ['exchange-httpproxy'], []],
    ]);
    expect(r.classes[1]!.fieldRenames['cs-uri-query']).toBe('UrlQuery');
    expect(r.classes[1]!.fieldRenames['constructor']).toBeUndefined();
  });

  it('gives a bare product linux every Linux log, and each service its programs', () => {
    expect(classes(resolve({ product: 'linux' }))).toEqual([
      ['linux/text-logs', ['syslog', 'auditd', 'sysmon-linux'], []],
    ]);
    expect(classes(resolve({ product: 'linux', service: 'auditd' }))).toEqual([
      ['linux-auditd/auditd', ['auditd'], []],
    ]);
    expect(classes(resolve({ product: 'linux', service: 'sshd' }))).toEqual([
      ['linux-sshd/syslog', ['syslog'], [['program', ['sshd', 'sshd-session']]]],
    ]);
    const auth = classes(resolve({ product: 'Linux', service: 'AUTH' }));
    expect(auth.map(([name]) => name)).toEqual(['linux-auth/auth-facility', 'linux-auth/auth-programs']);
    expect(auth[0]![2]).toEqual([['facility', ['auth', 'authpriv']]]);
  });

  it('maps Linux categories to Sysmon for Linux event IDs', () => {
    expect(classes(resolve({ product: 'linux', category: 'process_creation' }))).toEqual([
      ['linux-process-creation/sysmon', ['sysmon-linux'], [['EventID', ['1']]]],
    ]);
    expect(classes(resolve({ product: 'linux', category: 'network_connection' }))[0]![2]).toEqual([
      ['EventID', ['3']],
    ]);
  });

  it('leaves a Linux logsource it does not know off every text log (it still applies to JSON events)', () => {
    for (const logsource of [
      { product: 'linux', service: 'apache2' },
      { product: 'linux', category: 'file_rename' },
    ]) {
      const r = resolve(logsource);
      expect(r.kind).toBe('generic');
      expect(r.classes).toEqual([]);
    }
  });

  it('gives Windows and other products no text log class', () => {
    expect(resolve({ product: 'windows', category: 'process_creation' }).classes).toEqual([]);
    expect(resolve({ product: 'windows' }).classes).toEqual([]);
    expect(resolve({ category: 'proxy' }).classes).toEqual([]);
    expect(resolve({ product: 'aws', service: 'cloudtrail' }).classes).toEqual([]);
  });
});

describe('class variants and ~ in user mappings', () => {
  it('parses them, and ~ excludes rules that name the key', () => {
    const { mapping, issues } = parseMapping(
      `ballotguard-mapping: 1
entries:
  - name: fw-bare
    match: { product: windows, service: firewall, category: ~ }
    variants:
      - name: pfirewall
        classes: [W3C]
        conditions: { action: [DROP, ALLOW] }
`,
      'site.yaml',
    );
    expect(issues).toEqual([]);
    const merged = mergeMappings(defaultMapping(), mapping);
    const bare = resolveLogsource(merged, { product: 'windows', service: 'firewall' });
    // A Windows rule mapped to a text class only applies to that class.
    expect(bare.kind).toBe('windows');
    expect(bare.kind === 'windows' && bare.variants).toEqual([]);
    expect(classes(bare)).toEqual([['fw-bare/pfirewall', ['w3c'], [['action', ['DROP', 'ALLOW']]]]]);
    const withCategory = resolveLogsource(merged, { product: 'windows', service: 'firewall', category: 'x' });
    expect(withCategory.classes).toEqual([]);
  });

  it('refuses channel keys on a class variant, and a match of ~ alone', () => {
    const { mapping, issues } = parseMapping(
      `ballotguard-mapping: 1
entries:
  - name: mixed
    match: { product: linux }
    variants:
      - { classes: [syslog], channels: [Security], eventIds: [1] }
  - name: nothing
    match: { product: ~ }
    variants:
      - { classes: [syslog] }
`,
      'bad.yaml',
    );
    expect(mapping.entries).toEqual([]);
    expect(issues.map((i) => i.message)).toEqual([
      'entry 1 "mixed", variant 1 at channels: `channels` does not go with `classes` (a variant on text log classes takes name, conditions and fieldRenames)',
      'entry 1 "mixed", variant 1 at eventIds: `eventIds` does not go with `classes` (a variant on text log classes takes name, conditions and fieldRenames)',
      'entry 2 "nothing" at match: name at least one of category, product, service',
    ]);
  });
});
