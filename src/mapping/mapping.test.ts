import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { sharedPath } from '../../test/helpers/shared.js';
import {
  defaultMapping,
  defaultMappingPath,
  loadMapping,
  mergeMappings,
  parseMapping,
  renameField,
  resolveLogsource,
  unsupportedFields,
  type LogsourceMatch,
  type LogsourceResolution,
  type LogsourceVariant,
} from './mapping.js';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';

function windows(r: LogsourceResolution): Extract<LogsourceResolution, { kind: 'windows' }> {
  if (r.kind !== 'windows') throw new Error(`expected a windows resolution, got ${JSON.stringify(r)}`);
  return r;
}

function variant(r: LogsourceResolution, name: string): LogsourceVariant {
  const found = windows(r).variants.find((v) => v.name === name);
  if (found === undefined)
    throw new Error(
      `no variant ${name} in ${windows(r)
        .variants.map((v) => v.name)
        .join(', ')}`,
    );
  return found;
}

const resolve = (logsource: LogsourceMatch) => resolveLogsource(defaultMapping(), logsource);

const tmp = mkdtempSync(join(tmpdir(), 'ballotguard-mapping-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

describe('default mapping', () => {
  it('is found beside the module and loads without issues', () => {
    expect(defaultMappingPath()).toBe(join(import.meta.dirname, 'windows.yaml'));
    const { issues, mapping } = loadMapping(defaultMappingPath());
    expect(issues).toEqual([]);
    expect(mapping.name).toBe('windows-default');
    // The default is windows.yaml merged with text-logs.yaml (whose entry names are all its own).
    const text = loadMapping(defaultMappingPath('text-logs.yaml'));
    expect(text.issues).toEqual([]);
    expect(text.mapping.name).toBe('text-logs-default');
    expect(defaultMapping().entries.length).toBe(mapping.entries.length + text.mapping.entries.length);
    expect(defaultMapping().sources).toEqual([defaultMappingPath(), defaultMappingPath('text-logs.yaml')]);
  });

  it('maps process_creation to Sysmon 1 and Security 4688 with renames', () => {
    const r = resolve({ category: 'process_creation', product: 'windows' });
    expect(windows(r).variants.map((v) => v.name)).toEqual([
      'process_creation/sysmon',
      'process_creation/security-4688',
    ]);
    const sysmon = variant(r, 'process_creation/sysmon');
    expect(sysmon.channels).toEqual([SYSMON]);
    expect(sysmon.eventIds).toEqual([1]);
    expect(sysmon.availableFields).toBeUndefined();
    expect(renameField(sysmon, 'Image')).toBe('Image');

    const audit = variant(r, 'process_creation/security-4688');
    expect(audit.channels).toEqual(['Security']);
    expect(audit.eventIds).toEqual([4688]);
    expect(renameField(audit, 'Image')).toBe('NewProcessName');
    expect(renameField(audit, 'ParentImage')).toBe('ParentProcessName');
    expect(renameField(audit, 'CommandLine')).toBe('CommandLine');
    // A field name that is also an Object.prototype member must not pick up an inherited value.
    expect(renameField(audit, 'constructor')).toBe('constructor');
    expect(
      unsupportedFields(audit, ['Image', 'CommandLine', 'EventID', 'OriginalFileName', 'Hashes', 'Image']),
    ).toEqual(['OriginalFileName', 'Hashes']);
    expect(unsupportedFields(sysmon, ['OriginalFileName'])).toEqual([]);
  });

  it('maps network, registry and file categories to their audit events', () => {
    const net = variant(
      resolve({ category: 'network_connection', product: 'windows' }),
      'network_connection/security-5156',
    );
    expect(net.eventIds).toEqual([5156]);
    expect(['Image', 'DestinationIp', 'DestinationPort', 'SourceIp'].map((f) => renameField(net, f))).toEqual(
      ['Application', 'DestAddress', 'DestPort', 'SourceAddress'],
    );
    expect(unsupportedFields(net, ['Initiated', 'DestinationHostname', 'SourcePort'])).toEqual([
      'Initiated',
      'DestinationHostname',
    ]);

    const reg = variant(
      resolve({ category: 'registry_set', product: 'windows' }),
      'registry_set/security-4657-set',
    );
    expect(renameField(reg, 'TargetObject')).toBe('ObjectName');
    expect(renameField(reg, 'Details')).toBe('NewValue');
    expect(reg.conditions).toEqual([
      {
        field: 'OperationType',
        values: ['%%1904', '%%1905', 'New registry value created', 'Existing registry value modified'],
      },
    ]);

    const fileEvent = variant(
      resolve({ category: 'file_event', product: 'windows' }),
      'file_event/security-4663-write',
    );
    expect(renameField(fileEvent, 'TargetFilename')).toBe('ObjectName');
    // Hex literals stay strings: events carry AccessMask as "0x2".
    expect(fileEvent.conditions).toContainEqual({ field: 'AccessMask', values: ['0x2'] });

    expect(windows(resolve({ category: 'registry_add', product: 'windows' })).variants).toHaveLength(1);
    expect(
      variant(resolve({ category: 'registry_delete', product: 'windows' }), 'registry_delete/sysmon')
        .conditions,
    ).toEqual([{ field: 'EventType', values: ['DeleteKey', 'DeleteValue'] }]);
  });

  it('maps Sysmon and PowerShell categories to the taxonomy event IDs and channels', () => {
    const ids = (category: string) =>
      windows(resolve({ category, product: 'windows' })).variants.flatMap((v) =>
        v.channels.includes(SYSMON) ? v.eventIds : [],
      );
    expect(ids('pipe_created')).toEqual([17, 18]);
    expect(ids('wmi_event')).toEqual([19, 20, 21]);
    expect(ids('registry_event')).toEqual([12, 13, 14]);
    expect(ids('file_delete')).toEqual([23, 26]);
    expect(ids('sysmon_status')).toEqual([4, 16]);
    expect(ids('sysmon_error')).toEqual([255]);

    const script = windows(resolve({ category: 'ps_script', product: 'windows' }));
    expect(script.variants).toHaveLength(1);
    expect(script.variants[0]?.channels).toEqual([
      'Microsoft-Windows-PowerShell/Operational',
      'PowerShellCore/Operational',
    ]);
    expect(script.variants[0]?.eventIds).toEqual([4104]);
    expect(
      windows(resolve({ category: 'ps_classic_start', product: 'windows' })).variants[0]?.channels,
    ).toEqual(['Windows PowerShell']);
  });

  it('maps a bare service to its channels with any event ID', () => {
    const r = windows(resolve({ product: 'windows', service: 'security' }));
    expect(r.variants).toHaveLength(1);
    expect(r.variants[0]).toMatchObject({
      name: 'service:security/security',
      channels: ['Security'],
      eventIds: [],
      conditions: [],
    });
    expect(r.warnings).toEqual([]);
    expect(windows(resolve({ product: 'windows', service: 'sysmon' })).variants[0]?.channels).toEqual([
      SYSMON,
    ]);
  });

  it('reads category plus service as the category on that service', () => {
    const onSysmon = windows(
      resolve({ category: 'process_creation', product: 'windows', service: 'sysmon' }),
    );
    expect(onSysmon.variants.map((v) => [v.name, v.eventIds])).toEqual([['process_creation/sysmon', [1]]]);
    const onSecurity = windows(
      resolve({ category: 'process_creation', product: 'windows', service: 'security' }),
    );
    expect(onSecurity.variants.map((v) => v.name)).toEqual(['process_creation/security-4688']);
    // No variant of the category is on that service: the category's variants stand.
    const onSystem = windows(
      resolve({ category: 'process_creation', product: 'windows', service: 'system' }),
    );
    expect(onSystem.variants).toHaveLength(2);
  });

  it('compares logsource values without regard to case and ignores other keys', () => {
    const r = windows(
      resolveLogsource(defaultMapping(), {
        category: 'Process_Creation',
        product: 'WINDOWS',
        definition: 'x',
        custom: { a: 'b' },
      }),
    );
    expect(r.variants).toHaveLength(2);
  });

  it('applies antivirus rules to Defender, and without a product also to other events', () => {
    const any = windows(resolve({ category: 'antivirus' }));
    const defender = variant(any, 'antivirus/windefend');
    expect(defender.channels).toEqual(['Microsoft-Windows-Windows Defender/Operational']);
    expect(defender.eventIds).toContain(1116);
    expect(renameField(defender, 'Signature')).toBe('ThreatName');
    expect(any.nonWindows?.name).toBe('antivirus/other-products');

    expect(windows(resolve({ category: 'antivirus', product: 'windows' })).nonWindows).toBeUndefined();
    const linux = resolve({ category: 'antivirus', product: 'linux' });
    expect(linux).toMatchObject({ kind: 'generic', variant: { name: 'antivirus/other-products' } });
  });

  it('leaves non-Windows logsources generic and unmapped Windows ones applying to all Windows events', () => {
    expect(resolve({ product: 'linux', service: 'auth' })).toMatchObject({
      kind: 'generic',
      variant: { name: 'unmapped' },
      warnings: [],
    });
    expect(resolve({ category: 'proxy' })).toMatchObject({ kind: 'generic' });
    // A product-specific rule never inherits Windows channels from a product-less entry's siblings.
    expect(resolve({ category: 'process_creation', product: 'linux' })).toMatchObject({ kind: 'generic' });

    const rename = resolve({ category: 'file_rename', product: 'windows' });
    expect(rename.kind).toBe('unknown-windows');
    if (rename.kind === 'unknown-windows')
      expect(rename.warning).toMatch(/no mapping for logsource \{category: file_rename, product: windows\}/);
    const bare = resolve({ product: 'windows' });
    expect(bare.kind).toBe('unknown-windows');
    if (bare.kind === 'unknown-windows') expect(bare.warning).toMatch(/names only product windows/);
  });
});

describe('user mappings', () => {
  it('extend and override the default', () => {
    const path = file(
      'site.yaml',
      `ballotguard-mapping: 1
name: site
systemFields: [Hostname]
services:
  # Sysmon forwarded under another channel name: every Sysmon category follows.
  sysmon: [Custom-Sysmon/Operational]
entries:
  - name: process_creation
    match: { product: windows, category: process_creation }
    variants:
      - { service: sysmon, eventIds: [1] }
      - name: edr
        channels: [Acme-EDR/Process]
        eventIds: [100]
        fieldRenames: { Image: process.path }
        availableFields: [CommandLine]
  - name: antivirus
    disabled: true
  - name: proxy-logs
    match: { category: proxy }
    variants:
      - name: squid
        fieldRenames: { c-uri: url }
  - name: acme-usb
    match: { product: windows, category: usb_plugged }
    variants:
      - { channels: [Acme-EDR/Device], eventIds: 7 }
`,
    );
    const user = loadMapping(path);
    expect(user.issues).toEqual([]);
    const merged = mergeMappings(defaultMapping(), user.mapping);
    expect(merged.name).toBe('windows-default + text-logs-default + site');
    expect(merged.sources).toEqual([defaultMappingPath(), defaultMappingPath('text-logs.yaml'), path]);

    const pc = windows(resolveLogsource(merged, { category: 'process_creation', product: 'windows' }));
    expect(pc.variants.map((v) => [v.name, v.channels, v.eventIds])).toEqual([
      ['process_creation/sysmon', ['Custom-Sysmon/Operational'], [1]],
      ['process_creation/edr', ['Acme-EDR/Process'], [100]],
    ]);
    const edr = variant(pc, 'process_creation/edr');
    expect(edr.location).toMatchObject({ file: path, line: 8 });
    expect(renameField(edr, 'Image')).toBe('process.path');
    // System fields from every merged file count as available.
    expect(unsupportedFields(edr, ['Image', 'CommandLine', 'Hostname', 'EventID', 'User'])).toEqual(['User']);

    // The service override reaches categories defined only in the default file.
    expect(
      windows(resolveLogsource(merged, { category: 'image_load', product: 'windows' })).variants[0]?.channels,
    ).toEqual(['Custom-Sysmon/Operational']);
    expect(resolveLogsource(merged, { category: 'antivirus' })).toMatchObject({
      kind: 'generic',
      variant: { name: 'unmapped' },
    });
    expect(resolveLogsource(merged, { category: 'proxy' })).toMatchObject({
      kind: 'generic',
      variant: { name: 'proxy-logs/squid', fieldRenames: { 'c-uri': 'url' } },
    });
    expect(
      variant(resolveLogsource(merged, { category: 'usb_plugged', product: 'windows' }), 'acme-usb/variant-1')
        .eventIds,
    ).toEqual([7]);
    // The default is untouched by merging.
    expect(windows(resolve({ category: 'antivirus' })).variants).toHaveLength(1);
  });

  it('reports a variant whose service maps to no channels, and service cycles', () => {
    const { mapping, issues } = parseMapping(
      `ballotguard-mapping: 1
entries:
  - name: evtx-only
    match: { product: windows, category: thing }
    variants:
      - { service: nosuch, eventIds: [1] }
  - name: loop
    match: { product: windows, service: loop }
    variants:
      - { service: loop }
`,
      'refs.yaml',
    );
    expect(issues).toEqual([]);
    const thing = resolveLogsource(mapping, { product: 'windows', category: 'thing' });
    expect(thing.kind).toBe('unknown-windows');
    expect(thing.warnings).toEqual([
      'mapping entry "evtx-only" (refs.yaml:3:5): variant "nosuch" uses service "nosuch", which the mapping does not map to channels; variant ignored',
    ]);
    const loop = resolveLogsource(mapping, { product: 'windows', service: 'loop' });
    expect(loop.kind).toBe('unknown-windows');
    expect(loop.warnings.some((w) => w.includes('cycle through "loop"'))).toBe(true);
  });

  it('lets later generic renames win, with a warning', () => {
    const a = parseMapping(
      'ballotguard-mapping: 1\nentries:\n  - { name: a, match: { category: web }, variants: [{ fieldRenames: { uri: url, ip: src } }] }\n',
      'a.yaml',
    ).mapping;
    const b = parseMapping(
      'ballotguard-mapping: 1\nentries:\n  - { name: b, match: { category: web }, variants: [{ fieldRenames: { uri: path } }] }\n',
      'b.yaml',
    ).mapping;
    const r = resolveLogsource(mergeMappings(a, b), { category: 'web' });
    expect(r).toMatchObject({
      kind: 'generic',
      variant: { name: 'a/variant-1 + b/variant-1', fieldRenames: { uri: 'path', ip: 'src' } },
    });
    expect(r.warnings).toEqual([
      'mapping entry "b" (b.yaml:3:5) renames uri to path, mapping entry "a" (a.yaml:3:5) to url; using path',
    ]);
  });
});

describe('invalid mapping files', () => {
  it('reports a missing file', () => {
    const missing = join(tmp, 'nope.yaml');
    const { mapping, issues } = loadMapping(missing);
    expect(mapping.entries).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'mapping-read', severity: 'error', location: { file: missing } });
    expect(issues[0]?.message).toMatch(/cannot read mapping file/);
  });

  it('reports YAML syntax errors with their position', () => {
    const path = file(
      'syntax.yaml',
      'ballotguard-mapping: 1\nentries:\n  - name: x\n    match: { product: windows\n',
    );
    const { mapping, issues } = loadMapping(path);
    expect(mapping.entries).toEqual([]);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ code: 'mapping-yaml', severity: 'error', location: { file: path } });
    expect(issues[0]?.location.line).toBeGreaterThanOrEqual(4);
  });

  it('refuses alias bombs', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, next] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
    ]) {
      levels.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const { mapping, issues } = parseMapping(`ballotguard-mapping: 1\n${levels.join('\n')}\n`, 'bomb.yaml');
    expect(mapping.entries).toEqual([]);
    expect(issues).toEqual([
      {
        code: 'mapping-yaml',
        severity: 'error',
        message: 'YAML: Excessive alias count indicates a resource exhaustion attack',
        location: { file: 'bomb.yaml' },
      },
    ]);
  });

  it('rejects a file that is not a version-1 mapping', () => {
    const notMap = parseMapping('- a\n- b\n', 'list.yaml');
    expect(notMap.issues.map((i) => [i.code, i.location.line])).toEqual([['mapping-invalid', 1]]);
    const version = parseMapping('ballotguard-mapping: 2\nentries: []\n', 'v2.yaml');
    expect(version.issues).toHaveLength(1);
    expect(version.issues[0]).toMatchObject({
      code: 'mapping-invalid',
      location: { file: 'v2.yaml', line: 1, column: 22 },
    });
    expect(version.issues[0]?.message).toBe(
      'mapping file at ballotguard-mapping: expected `ballotguard-mapping: 1` (the format version)',
    );
    const typo = parseMapping('ballotguard-mapping: 1\nentrys: []\n', 'typo.yaml');
    expect(typo.issues[0]).toMatchObject({ location: { line: 2, column: 1 } });
    expect(typo.issues[0]?.message).toBe('mapping file at entrys: Unrecognized key: "entrys"');
  });

  it('names the file, line and entry of wrongly typed values and keeps the valid entries', () => {
    const path = file(
      'types.yaml',
      `ballotguard-mapping: 1
services:
  good: [Good/Operational]
  bad: 42
entries:
  - name: fine
    match: { product: windows, category: fine }
    variants:
      - { channels: [Fine], eventIds: [1] }
  - name: bad-ids
    match: { product: windows, category: bad }
    variants:
      - { channels: [X], eventIds: [1, "two", 70000] }
  - name: typo
    match: { product: windows, category: typo }
    variants:
      - channels: [X]
        fieldRename: { Image: NewProcessName }
  - name: both
    match: { product: windows, category: both }
    variants:
      - { channels: [X], service: sysmon }
  - name: generic-with-ids
    match: { category: web }
    variants:
      - { eventIds: [1] }
  - name: no-match
    match: {}
    variants: [{ channels: [X] }]
  - match: { product: windows }
    variants: [{ channels: [X] }]
  - name: proto
    match: { category: p }
    variants: [{ fieldRenames: { __proto__: x } }]
  - name: fine
    match: { product: windows, category: again }
    variants: [{ channels: [Y] }]
  - name: empty
`,
    );
    const { mapping, issues } = loadMapping(path);
    expect(mapping.entries.map((e) => e.name)).toEqual(['service:good', 'fine']);
    const summary = issues.map((i) => `${i.location.line}:${i.location.column} ${i.code} ${i.message}`);
    expect(summary).toEqual([
      '4:8 mapping-invalid service "bad": Invalid input: expected string, received number',
      '13:40 mapping-invalid entry 2 "bad-ids", variant 1 at eventIds[1]: expected an event ID (an integer from 0 to 65535)',
      '13:47 mapping-invalid entry 2 "bad-ids", variant 1 at eventIds[2]: expected an event ID (an integer from 0 to 65535)',
      '18:9 mapping-invalid entry 3 "typo", variant 1 at fieldRename: Unrecognized key: "fieldRename"',
      '22:35 mapping-invalid entry 4 "both", variant 1 at service: give either `channels` or `service`, not both',
      '26:21 mapping-invalid entry 5 "generic-with-ids", variant 1 at eventIds: `eventIds` needs `channels` or `service` (a variant without them is generic: name and fieldRenames only)',
      '28:12 mapping-invalid entry 6 "no-match" at match: name at least one of category, product, service',
      '30:5 mapping-invalid entry 7 at name: Invalid input: expected string, received undefined',
      '34:32 mapping-invalid entry 8 "proto", variant 1 at fieldRenames: "__proto__" is not allowed as a key',
      '35:5 mapping-duplicate entry "fine" is defined twice in this file; the later one is ignored',
      '38:5 mapping-invalid entry 10 "empty" at match: an entry needs `match` (unless it is `disabled`)',
      '38:5 mapping-invalid entry 10 "empty" at variants: an entry needs at least one variant',
    ]);
    for (const issue of issues) expect(issue).toMatchObject({ severity: 'error', location: { file: path } });
  });
});

/** Every `.yml` rule file under `dir`, as paths relative to `root`. */
function ruleFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.yml'))
    .map((d) => join(d.parentPath, d.name));
}

const LOGSOURCE_BLOCK = /^logsource:.*\n(?:(?:[ \t]+.*|[ \t]*)(?:\n|$))*/gm;

const sigma = sharedPath('corpora/sigma');
const spec = sharedPath('corpora/sigma-spec');

describe.skipIf(!sigma.available)('SigmaHQ corpus', () => {
  it('resolves every Windows logsource used by the rules to channels', () => {
    const seen = new Map<string, { logsource: LogsourceMatch; files: number; example: string }>();
    for (const folder of [
      'rules',
      'rules-threat-hunting',
      'rules-emerging-threats',
      'rules-placeholder',
      'rules-compliance',
    ]) {
      for (const path of ruleFiles(join(sigma.path, folder))) {
        // Only the logsource block is parsed: the whole corpus then takes well under a second.
        for (const [block] of readFileSync(path, 'utf8').matchAll(LOGSOURCE_BLOCK)) {
          const ls = (parse(block) as { logsource?: Record<string, unknown> } | null)?.logsource;
          if (ls === undefined || String(ls['product']).toLowerCase() !== 'windows') continue;
          const logsource: LogsourceMatch = {
            product: 'windows',
            ...(typeof ls['category'] === 'string' && { category: ls['category'] }),
            ...(typeof ls['service'] === 'string' && { service: ls['service'] }),
          };
          const key = `${logsource.category ?? '-'}/${logsource.service ?? '-'}`;
          const known = seen.get(key);
          if (known) seen.set(key, { ...known, files: known.files + 1 });
          else
            seen.set(key, { logsource, files: 1, example: relative(sigma.path, path).split(sep).join('/') });
        }
      }
    }
    expect(seen.size).toBeGreaterThan(50);

    const unmapped: string[] = [];
    for (const [key, { logsource, files, example }] of [...seen].sort()) {
      const r = resolve(logsource);
      expect(r.warnings, key).toEqual([]);
      if (r.kind !== 'windows') unmapped.push(`${key} (${files} rules, e.g. ${example})`);
    }
    if (unmapped.length > 0)
      console.info(`Windows logsources the mapping cannot narrow:\n  ${unmapped.join('\n  ')}`);
    // file_rename comes from an ETW provider with no channel; a bare product: windows means every event.
    expect(unmapped.map((u) => u.split(' ')[0])).toEqual(['-/-', 'file_rename/-']);
  });

  it('covers every logsource of thor.yml with at least its channels and event IDs', () => {
    const thor = parseAllDocuments(
      readFileSync(join(sigma.path, 'tests', 'thor.yml'), 'utf8'),
    )[0]?.toJS() as {
      logsources: Record<
        string,
        {
          category?: string;
          product?: string;
          service?: string;
          sources?: string[];
          conditions?: { EventID?: number | number[] };
          rewrite?: { service?: string };
        }
      >;
    };
    let checked = 0;
    for (const [name, ls] of Object.entries(thor.logsources)) {
      const isWindows = ls.product === 'windows' || ls.rewrite?.service !== undefined;
      if (!isWindows) continue;
      const r = windows(resolve({ ...ls, product: 'windows' }));
      const channels = r.variants.flatMap((v) => v.channels.map((c) => c.toLowerCase()));
      for (const source of ls.sources ?? [])
        expect(channels, name).toContain(source.replace(/^WinEventLog:/, '').toLowerCase());
      const ids = ls.conditions?.EventID;
      if (ids !== undefined) {
        const ours = new Set(r.variants.flatMap((v) => v.eventIds));
        for (const id of Array.isArray(ids) ? ids : [ids])
          expect(ours.has(id), `${name} EventID ${id}`).toBe(true);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(80);
  });
});

describe.skipIf(!spec.available)('Sigma taxonomy appendix', () => {
  it('maps every Windows category and service it lists', () => {
    const md = readFileSync(join(spec.path, 'specification', 'sigma-appendix-taxonomy.md'), 'utf8');
    const rows = [
      ...md.matchAll(/^\| windows \| product: windows<br>(category|service): ([\w.-]+)\s*\|([^|]*)\|/gm),
    ];
    expect(rows.length).toBeGreaterThan(70);
    const unmapped: string[] = [];
    for (const [, kind, name, description] of rows) {
      const r = resolve({ product: 'windows', [kind as 'category' | 'service']: name });
      if (r.kind !== 'windows') {
        unmapped.push(`${kind}: ${name}`);
        continue;
      }
      const channels = r.variants.flatMap((v) => v.channels.map((c) => c.toLowerCase()));
      const listed = (description ?? '')
        .split(/<br>|Channel:/)
        .map((part) =>
          part
            .replace(/^\s*-\s*/, '')
            .replace(/^WinEventLog:/, '')
            .trim(),
        )
        .filter((part) => part.includes('/') || /^[A-Z][\w -]+$/.test(part))
        .filter((part) => !/^EventIDs?:|^ETW Provider/.test(part));
      for (const channel of listed) expect(channels, `${kind} ${name}`).toContain(channel.toLowerCase());
    }
    expect(unmapped).toEqual(['category: file_rename']);
  });
});
