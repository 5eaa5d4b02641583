import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../../../test/helpers/shared.js';
import { AttackIndex } from './catalogue.js';
import { AttackBundleError, loadAttackBundle } from './load-bundle.js';
import { miniBundle } from './testing.js';

const work = mkdtempSync(join(tmpdir(), 'bg-load-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let fileCount = 0;
function write(content: string | Buffer, name = `bundle-${++fileCount}.json`): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

describe('loadAttackBundle on a small bundle', () => {
  it('builds the catalogue: tactics in matrix order, techniques, sub-techniques, groups, software, campaigns', async () => {
    const { catalogue, issues, stats } = await loadAttackBundle(
      write(JSON.stringify(miniBundle().bundle)),
      new Date(0),
    );
    expect(issues).toEqual([]);
    expect(catalogue.attackVersion).toBe('99.1');
    expect(catalogue.specVersion).toBe('3.3.0');
    expect(catalogue.domain).toBe('enterprise-attack');
    expect(catalogue.source.importedAt).toBe('1970-01-01T00:00:00.000Z');
    expect(catalogue.tactics.map((tactic) => [tactic.id, tactic.shortname, tactic.order])).toEqual([
      ['TA0043', 'reconnaissance', 0],
      ['TA0001', 'initial-access', 1],
      ['TA0002', 'execution', 2],
      ['TA0003', 'persistence', 3],
      ['TA0004', 'privilege-escalation', 4],
      ['TA0005', 'defense-evasion', 5],
      ['TA0006', 'credential-access', 6],
    ]);
    const index = new AttackIndex(catalogue);
    expect(index.technique('t1059.001')).toEqual({
      id: 'T1059.001',
      name: 'PowerShell',
      tactics: ['execution'],
      platforms: ['Windows'],
      url: 'https://attack.mitre.org/techniques/T1059/001',
      subtechnique: true,
      parent: 'T1059',
      deprecated: false,
      revoked: false,
    });
    expect(index.technique('T1086')).toMatchObject({ revoked: true, revokedBy: 'T1059.001' });
    expect(index.technique('T1064')).toMatchObject({ deprecated: true, revoked: false });
    expect(index.subtechniquesOf('T1059').map((technique) => technique.id)).toEqual([
      'T1059.001',
      'T1059.003',
    ]);
    expect(index.group('G0007')).toMatchObject({
      name: 'APT28',
      aliases: ['Fancy Bear', 'Sofacy'],
      techniques: ['T1003.001', 'T1190'],
      software: ['S0002'],
    });
    expect(index.software('S0002')).toMatchObject({
      name: 'Mimikatz',
      type: 'tool',
      techniques: ['T1003.001'],
    });
    expect(index.campaign('C0001')).toMatchObject({ groups: ['G0007'], techniques: ['T1190'] });
    expect(index.groupsUsing('T1003.001').map((group) => group.id)).toEqual(['G0007']);
    expect(stats.ignoredByType).toEqual({
      'course-of-action': 1,
      'x-mitre-analytic': 1,
      'relationship (mitigates)': 1,
      'relationship (subtechnique-of)': 1,
    });
    expect(stats.invalid).toBe(0);
  });

  it('reads a gzip-compressed bundle the same way', async () => {
    const text = JSON.stringify(miniBundle().bundle);
    const plain = await loadAttackBundle(write(text), new Date(0));
    const zipped = await loadAttackBundle(write(gzipSync(text), 'bundle.json.gz'), new Date(0));
    expect({ ...zipped.catalogue, source: undefined }).toEqual({ ...plain.catalogue, source: undefined });
  });

  it('skips an invalid object with an issue naming the object and the field, and goes on', async () => {
    const { bundle } = miniBundle();
    const broken = bundle.objects.findIndex((object) => object['name'] === 'LSASS Memory');
    bundle.objects[broken] = { ...bundle.objects[broken], name: 42 };
    const path = write(JSON.stringify(bundle, null, 1));
    const { catalogue, issues, stats } = await loadAttackBundle(path);
    expect(stats.invalid).toBe(1);
    expect(issues).toHaveLength(1);
    const issue = issues[0]!;
    expect(issue.code).toBe('attack-invalid-object');
    expect(issue.message).toMatch(
      new RegExp(`objects\\[${broken}\\] \\(attack-pattern--[0-9a-f-]+\\) skipped: name: `),
    );
    expect(issue.location.record).toBe(broken + 1);
    // The line is where the object starts in the file.
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines[issue.location.line! - 1]).toMatch(/^\s*\{/);
    expect(lines.slice(issue.location.line! - 1, issue.location.line! + 40).join('\n')).toContain(
      '"name": 42',
    );
    expect(catalogue.techniques.some((technique) => technique.id === 'T1003.001')).toBe(false);
    expect(catalogue.techniques.some((technique) => technique.id === 'T1003')).toBe(true);
  });

  it('reports an object that is not JSON and one without an ATT&CK ID', async () => {
    const { bundle } = miniBundle();
    const text = JSON.stringify(bundle).replace(
      '"objects":[',
      '"objects":[{"type": "attack-pattern", "name": tru},',
    );
    const { issues } = await loadAttackBundle(write(text));
    expect(issues.map((issue) => issue.code)).toEqual(['attack-bad-json']);
    const withoutId = miniBundle().bundle;
    withoutId.objects.push({
      type: 'intrusion-set',
      id: 'intrusion-set--x',
      name: 'Nameless',
      external_references: [],
    });
    const second = await loadAttackBundle(write(JSON.stringify(withoutId)));
    expect(second.issues.map((issue) => [issue.code, issue.severity])).toEqual([['attack-no-id', 'warning']]);
  });

  it('keeps a current object over a revoked one with the same ATT&CK ID', async () => {
    const { bundle } = miniBundle();
    bundle.objects.push({
      type: 'attack-pattern',
      id: 'attack-pattern--dup',
      name: 'Old Exploit',
      revoked: true,
      external_references: [{ source_name: 'mitre-attack', external_id: 'T1190' }],
    });
    const { catalogue, stats } = await loadAttackBundle(write(JSON.stringify(bundle)));
    expect(stats.duplicateIds).toBe(1);
    expect(catalogue.techniques.find((technique) => technique.id === 'T1190')).toMatchObject({
      name: 'Exploit Public-Facing Application',
      revoked: false,
    });
  });

  it('orders tactics by ID, with a warning, when the bundle has no matrix', async () => {
    const { bundle } = miniBundle();
    bundle.objects = bundle.objects.filter((object) => object['type'] !== 'x-mitre-matrix');
    const { catalogue, issues } = await loadAttackBundle(write(JSON.stringify(bundle)));
    expect(issues.map((issue) => issue.code)).toEqual(['attack-no-matrix']);
    expect(catalogue.tactics.map((tactic) => tactic.id)).toEqual([
      'TA0001',
      'TA0002',
      'TA0003',
      'TA0004',
      'TA0005',
      'TA0006',
      'TA0043',
    ]);
  });

  it('refuses files that are not ATT&CK bundles, saying why', async () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['[1, 2, 3]', /expected a JSON object/],
      ['{"type": "report", "objects": [{"type": "x"}]}', /"type" is "report", expected "bundle"/],
      ['{"type": "bundle"}', /no "objects" array/],
      [
        '{"type": "bundle", "objects": [{"type": "malware", "id": "malware--1", "name": "x"}]}',
        /no ATT&CK techniques/,
      ],
      [JSON.stringify(miniBundle().bundle).slice(0, 3000), /ends inside element \d+ of "objects"/],
    ];
    for (const [text, message] of cases) {
      const error = await loadAttackBundle(write(text)).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, text.slice(0, 40)).toBeInstanceOf(AttackBundleError);
      expect((error as Error).message).toMatch(message);
    }
    await expect(loadAttackBundle(join(work, 'missing.json'))).rejects.toThrow(
      /cannot read the ATT&CK bundle/,
    );
    await expect(loadAttackBundle(work)).rejects.toThrow(/is a folder/);
  });
});

describe('loadAttackBundle on the real Enterprise bundle', () => {
  const shared = sharedPath('corpora/attack/enterprise-attack.json');

  it.skipIf(!shared.available)('matches a whole-file JSON.parse of the same bundle', async () => {
    const { catalogue, issues, stats } = await loadAttackBundle(shared.path);
    expect(issues).toEqual([]);
    expect(stats.invalid).toBe(0);
    expect(stats.danglingRelationships).toBe(0);

    // The reference: the naive way, with the whole bundle in memory.
    const bundle = JSON.parse(readFileSync(shared.path, 'utf8')) as { objects: Record<string, unknown>[] };
    const attackId = (object: Record<string, unknown>): string | undefined =>
      (object['external_references'] as { source_name: string; external_id?: string }[] | undefined)?.find(
        (reference) => reference.source_name === 'mitre-attack',
      )?.external_id;
    expect(stats.objects).toBe(bundle.objects.length);
    const patterns = bundle.objects.filter((object) => object['type'] === 'attack-pattern');
    expect(catalogue.techniques.map((technique) => technique.id)).toEqual(
      patterns.map((object) => attackId(object)).sort(),
    );
    for (const object of patterns) {
      const technique = catalogue.techniques.find((entry) => entry.id === attackId(object))!;
      expect(technique.name).toBe(object['name']);
      expect(technique.revoked).toBe(object['revoked'] === true);
      expect(technique.tactics).toEqual(
        (object['kill_chain_phases'] as { phase_name: string }[]).map((phase) => phase.phase_name),
      );
    }
    const collection = bundle.objects.find((object) => object['type'] === 'x-mitre-collection')!;
    expect(catalogue.attackVersion).toBe(collection['x_mitre_version']);
    const matrix = bundle.objects.find((object) => object['type'] === 'x-mitre-matrix')!;
    const tacticIds = (matrix['tactic_refs'] as string[]).map((ref) =>
      attackId(bundle.objects.find((object) => object['id'] === ref)!)!,
    );
    expect(catalogue.tactics.map((tactic) => tactic.id)).toEqual(tacticIds);
    const groups = bundle.objects.filter((object) => object['type'] === 'intrusion-set');
    expect(catalogue.groups.map((group) => group.id)).toEqual(
      groups.map((object) => attackId(object)).sort(),
    );
    const usesByGroup = new Map<string, Set<string>>();
    const byStix = new Map(bundle.objects.map((object) => [object['id'] as string, object]));
    for (const object of bundle.objects) {
      if (object['type'] !== 'relationship' || object['relationship_type'] !== 'uses') continue;
      if (object['revoked'] === true || object['x_mitre_deprecated'] === true) continue;
      const source = byStix.get(object['source_ref'] as string);
      const target = byStix.get(object['target_ref'] as string);
      if (source?.['type'] !== 'intrusion-set' || target?.['type'] !== 'attack-pattern') continue;
      const set = usesByGroup.get(attackId(source)!) ?? new Set<string>();
      set.add(attackId(target)!);
      usesByGroup.set(attackId(source)!, set);
    }
    for (const group of catalogue.groups)
      expect(group.techniques, group.id).toEqual([...(usesByGroup.get(group.id) ?? [])].sort());
  });

  it.skipIf(!shared.available)('knows the Enterprise matrix as MITRE publishes it', async () => {
    const index = new AttackIndex((await loadAttackBundle(shared.path)).catalogue);
    expect(index.tactics.map((tactic) => tactic.shortname)).toEqual([
      'reconnaissance',
      'resource-development',
      'initial-access',
      'execution',
      'persistence',
      'privilege-escalation',
      'defense-evasion',
      'credential-access',
      'discovery',
      'lateral-movement',
      'collection',
      'command-and-control',
      'exfiltration',
      'impact',
    ]);
    expect(index.technique('T1059.001')).toMatchObject({
      name: 'PowerShell',
      parent: 'T1059',
      tactics: ['execution'],
    });
    expect(index.technique('T1003.001')?.name).toBe('LSASS Memory');
    expect(index.group('G0007')?.name).toBe('APT28');
    expect(index.software('S0002')?.name).toBe('Mimikatz');
    expect(index.groupsUsing('T1003.001').some((group) => group.id === 'G0007')).toBe(true);
  });
});
