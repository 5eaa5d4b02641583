/**
 * `ballotguard attack …` run in-process through `main()`, as the CLI entry point runs it: exit codes,
 * stdout and stderr, and the catalogue file written to the data directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sharedPath } from '../../test/helpers/shared.js';
import { miniBundle } from '../intel/attack/testing.js';
import { main } from './main.js';

const work = mkdtempSync(join(tmpdir(), 'bg-attack-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const run = (...args: string[]): Promise<number> => main(['node', 'ballotguard', ...args]);

const bundleFile = join(work, 'mini-attack.json');
writeFileSync(bundleFile, JSON.stringify(miniBundle().bundle, null, 2));

const rulesDir = join(work, 'rules');
mkdirSync(rulesDir);
const ruleText = (id: string, title: string, tags: string[]): string => `title: ${title}
id: ${id}
status: test
logsource:
  category: process_creation
  product: windows
detection:
  selection:
    CommandLine|contains: '${title}'
  condition: selection
level: high
tags:
${tags.map((tag) => `  - ${tag}`).join('\n')}
`;
writeFileSync(
  join(rulesDir, 'encoded.yml'),
  ruleText('8a7e0b4f-0000-4000-8000-000000000001', 'Encoded PowerShell', [
    'attack.execution',
    'attack.t1059.001',
  ]),
);
writeFileSync(
  join(rulesDir, 'lsass.yml'),
  ruleText('8a7e0b4f-0000-4000-8000-000000000002', 'LSASS dump', [
    'attack.credential_access',
    'attack.t1003.001',
  ]),
);

describe('attack import', () => {
  it('saves the catalogue in the data directory and says what it loaded', async () => {
    const dataDir = join(work, 'data-import');
    expect(await run('attack', 'import', bundleFile, '--data-dir', dataDir)).toBe(0);
    expect(stdout).toContain('Imported Mini ATT&CK 99.1 (enterprise-attack)');
    expect(stdout).toContain('7 tactics, 6 techniques, 4 sub-techniques (+2 revoked or deprecated)');
    expect(stdout).toContain(`Saved to ${join(dataDir, 'attack-catalogue.json')}`);
    expect(JSON.parse(readFileSync(join(dataDir, 'attack-catalogue.json'), 'utf8'))).toMatchObject({
      format: 'ballotguard-attack-catalogue',
      attackVersion: '99.1',
    });
  });

  it('prints a JSON summary with --format json', async () => {
    expect(
      await run('attack', 'import', bundleFile, '--data-dir', join(work, 'data-json'), '--format', 'json'),
    ).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      attackVersion: '99.1',
      tactics: 7,
      techniques: 6,
      subtechniques: 4,
      groups: 1,
    });
  });

  it('fails with a clear message on a file that is not a bundle, and writes nothing', async () => {
    const bad = join(work, 'not-a-bundle.json');
    writeFileSync(bad, '{"hello": "world"}');
    const dataDir = join(work, 'data-bad');
    expect(await run('attack', 'import', bad, '--data-dir', dataDir)).toBe(1);
    expect(stderr).toMatch(/has no "objects" array: is it a STIX bundle\?/);
    expect(existsSync(join(dataDir, 'attack-catalogue.json'))).toBe(false);
  });

  it('rejects an unknown --format as a usage error', async () => {
    expect(await run('attack', 'import', bundleFile, '--data-dir', join(work, 'x'), '--format', 'xml')).toBe(
      2,
    );
    expect(stderr).toContain("--format must be one of table, json (got 'xml')");
  });
});

describe('attack show', () => {
  const dataDir = join(work, 'data-show');

  it('shows a technique with its tactics, parent and the groups that use it', async () => {
    await run('attack', 'import', bundleFile, '--data-dir', dataDir);
    stdout = '';
    expect(await run('attack', 'show', 'T1003.001', '--data-dir', dataDir)).toBe(0);
    expect(stdout).toContain('Technique:    T1003.001 LSASS Memory');
    expect(stdout).toContain('Parent:       T1003 OS Credential Dumping');
    expect(stdout).toContain('Tactics:      Credential Access (TA0006)');
    expect(stdout).toContain('Groups:       1: APT28 (G0007)');
  });

  it('takes Sigma tags and tactic names, and prints JSON', async () => {
    await run('attack', 'import', bundleFile, '--data-dir', dataDir);
    stdout = '';
    expect(await run('attack', 'show', 'attack.credential_access', '--data-dir', dataDir)).toBe(0);
    expect(stdout).toContain('Tactic:       TA0006 Credential Access (credential-access)');
    stdout = '';
    expect(await run('attack', 'show', 'g0007', '--data-dir', dataDir, '--format', 'json')).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ id: 'G0007', name: 'APT28', software: ['S0002'] });
    stdout = '';
    expect(
      await run('attack', 'show', 'T1086', '--attack', bundleFile, '--data-dir', join(work, 'none')),
    ).toBe(0);
    expect(stdout).toContain('Status:       revoked (replaced by T1059.001)');
  });

  it('fails for an ID the catalogue does not have; without a catalogue it says how to get one', async () => {
    expect(await run('attack', 'show', 'T9999', '--data-dir', dataDir)).toBe(1);
    expect(stderr).toContain('T9999 is not in the loaded ATT&CK catalogue');
    stderr = '';
    expect(await run('attack', 'show', 'T1059', '--data-dir', join(work, 'empty'))).toBe(1);
    expect(stderr).toContain('no ATT&CK catalogue imported');
    expect(stderr).toContain('attack import');
    stdout = '';
    // Tactics are known without a catalogue (the built-in Enterprise list).
    expect(await run('attack', 'show', 'exfiltration', '--data-dir', join(work, 'empty'))).toBe(0);
    expect(stdout).toContain('TA0010 Exfiltration');
  });
});

describe('attack coverage', () => {
  const common = ['--rules', rulesDir, '--no-builtin', '--no-cache', '--attack', bundleFile];

  it('writes a Navigator layer with a score per technique', async () => {
    const output = join(work, 'layer.json');
    expect(await run('attack', 'coverage', ...common, '--format', 'navigator', '--output', output)).toBe(0);
    const layer = JSON.parse(readFileSync(output, 'utf8')) as {
      versions: { layer: string };
      domain: string;
      techniques: { techniqueID: string; score: number; comment: string }[];
    };
    expect(layer.versions.layer).toBe('4.5');
    expect(layer.domain).toBe('enterprise-attack');
    expect(layer.techniques.map((technique) => [technique.techniqueID, technique.score])).toEqual([
      ['T1003', 1],
      ['T1003.001', 1],
      ['T1059', 1],
      ['T1059.001', 1],
    ]);
    expect(layer.techniques[3]!.comment).toBe('1 rule: Encoded PowerShell');
  });

  it('prints a table with the totals, and the uncovered techniques on request', async () => {
    expect(await run('attack', 'coverage', ...common, '--uncovered')).toBe(0);
    expect(stdout).toMatch(/T1059\.001\s+PowerShell\s+Execution\s+1/);
    expect(stdout).toContain('2 rule(s) cover 2/6 techniques (33.3%) and 2/4 sub-techniques of ATT&CK 99.1.');
    expect(stdout).toMatch(/Uncovered techniques:\nT1078\s+Valid Accounts/);
  });

  it('writes CSV with a row for every current technique', async () => {
    expect(await run('attack', 'coverage', ...common, '--format', 'csv')).toBe(0);
    const rows = stdout.trim().split('\n');
    expect(rows[0]).toBe('technique_id,name,tactics,subtechnique,rules,via_subtechniques,count,rule_titles');
    expect(rows).toHaveLength(1 + 10);
    expect(rows).toContain('T1003,OS Credential Dumping,Credential Access,false,0,1,1,LSASS dump');
  });

  it('works without a catalogue, with IDs only and a hint', async () => {
    expect(
      await run(
        'attack',
        'coverage',
        '--rules',
        rulesDir,
        '--no-builtin',
        '--no-cache',
        '--data-dir',
        join(work, 'empty'),
        '--format',
        'json',
      ),
    ).toBe(0);
    expect(stderr).toContain('no ATT&CK catalogue imported');
    const report = JSON.parse(stdout) as {
      techniques: { id: string; name?: string }[];
      uncovered: unknown[];
    };
    expect(report.techniques.map((entry) => entry.id)).toEqual(['T1003', 'T1003.001', 'T1059', 'T1059.001']);
    expect(report.techniques.every((entry) => entry.name === undefined)).toBe(true);
    expect(report.uncovered).toEqual([]);
  });

  const shared = sharedPath('corpora/attack/enterprise-attack.json');
  it.skipIf(!shared.available)(
    'covers the built-in pack against the imported Enterprise bundle',
    async () => {
      const dataDir = join(work, 'data-real');
      expect(await run('attack', 'import', shared.path, '--data-dir', dataDir)).toBe(0);
      expect(stdout).toMatch(/Imported Enterprise ATT&CK 18\.1 \(enterprise-attack\)/);
      stdout = '';
      expect(
        await run('attack', 'coverage', '--data-dir', dataDir, '--no-cache', '--format', 'navigator'),
      ).toBe(0);
      const layer = JSON.parse(stdout) as {
        versions: { attack: string };
        techniques: { techniqueID: string }[];
      };
      expect(layer.versions.attack).toBe('18');
      expect(layer.techniques.map((technique) => technique.techniqueID)).toContain('T1505.003');
    },
  );
});
