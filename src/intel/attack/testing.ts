/**
 * A small ATT&CK STIX bundle with the shapes the real one has (collection, matrix, tactics, techniques
 * and sub-techniques, a revoked and a deprecated technique, a group, software, a campaign and their
 * relationships), for tests that must not depend on the 50 MB corpus. Tactics are listed in the matrix
 * in a different order than their IDs, as in the real matrix.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttackCatalogue } from './catalogue.js';
import { loadAttackBundle } from './load-bundle.js';

let counter = 0;
function stixId(type: string): string {
  counter++;
  return `${type}--00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
}

const reference = (id: string, path: string): Record<string, unknown>[] => [
  { source_name: 'mitre-attack', external_id: id, url: `https://attack.mitre.org/${path}` },
];

export interface MiniBundle {
  readonly bundle: { type: 'bundle'; id: string; objects: Record<string, unknown>[] };
  /** STIX ids by ATT&CK ID, to build extra relationships in a test. */
  readonly ids: Readonly<Record<string, string>>;
}

export function miniBundle(): MiniBundle {
  counter = 0;
  const ids: Record<string, string> = {};
  const objects: Record<string, unknown>[] = [];
  const tactic = (id: string, shortname: string, name: string): void => {
    const stix = stixId('x-mitre-tactic');
    ids[id] = stix;
    objects.push({
      type: 'x-mitre-tactic',
      id: stix,
      name,
      x_mitre_shortname: shortname,
      external_references: reference(id, `tactics/${id}`),
    });
  };
  const technique = (
    id: string,
    name: string,
    tactics: string[],
    extra: Record<string, unknown> = {},
  ): void => {
    const stix = stixId('attack-pattern');
    ids[id] = stix;
    objects.push({
      type: 'attack-pattern',
      id: stix,
      name,
      kill_chain_phases: tactics.map((phase) => ({ kill_chain_name: 'mitre-attack', phase_name: phase })),
      x_mitre_platforms: ['Windows'],
      x_mitre_is_subtechnique: id.includes('.'),
      external_references: reference(id, `techniques/${id.replace('.', '/')}`),
      ...extra,
    });
  };
  const relationship = (type: string, source: string, target: string): void => {
    objects.push({
      type: 'relationship',
      id: stixId('relationship'),
      relationship_type: type,
      source_ref: ids[source],
      target_ref: ids[target],
    });
  };

  objects.push({
    type: 'x-mitre-collection',
    id: stixId('x-mitre-collection'),
    name: 'Mini ATT&CK',
    x_mitre_version: '99.1',
    x_mitre_attack_spec_version: '3.3.0',
  });
  tactic('TA0001', 'initial-access', 'Initial Access');
  tactic('TA0002', 'execution', 'Execution');
  tactic('TA0003', 'persistence', 'Persistence');
  tactic('TA0004', 'privilege-escalation', 'Privilege Escalation');
  tactic('TA0005', 'defense-evasion', 'Defense Evasion');
  tactic('TA0006', 'credential-access', 'Credential Access');
  tactic('TA0043', 'reconnaissance', 'Reconnaissance');
  objects.push({
    type: 'x-mitre-matrix',
    id: stixId('x-mitre-matrix'),
    name: 'Mini Matrix',
    // Reconnaissance (TA0043) comes first in the matrix although its ID is the highest.
    tactic_refs: ['TA0043', 'TA0001', 'TA0002', 'TA0003', 'TA0004', 'TA0005', 'TA0006'].map((id) => ids[id]),
    external_references: [{ source_name: 'mitre-attack', external_id: 'enterprise-attack' }],
  });
  technique('T1190', 'Exploit Public-Facing Application', ['initial-access']);
  technique('T1059', 'Command and Scripting Interpreter', ['execution']);
  technique('T1059.001', 'PowerShell', ['execution']);
  technique('T1059.003', 'Windows Command Shell', ['execution']);
  technique('T1078', 'Valid Accounts', [
    'defense-evasion',
    'persistence',
    'privilege-escalation',
    'initial-access',
  ]);
  technique('T1003', 'OS Credential Dumping', ['credential-access']);
  technique('T1003.001', 'LSASS Memory', ['credential-access']);
  technique('T1505', 'Server Software Component', ['persistence']);
  technique('T1505.003', 'Web Shell', ['persistence']);
  technique('T1595', 'Active Scanning', ['reconnaissance']);
  technique('T1086', 'PowerShell', ['execution'], { revoked: true });
  technique('T1064', 'Scripting', ['execution', 'defense-evasion'], { x_mitre_deprecated: true });
  relationship('subtechnique-of', 'T1059.001', 'T1059');
  relationship('revoked-by', 'T1086', 'T1059.001');

  const group = stixId('intrusion-set');
  ids['G0007'] = group;
  objects.push({
    type: 'intrusion-set',
    id: group,
    name: 'APT28',
    aliases: ['APT28', 'Fancy Bear', 'Sofacy'],
    external_references: reference('G0007', 'groups/G0007'),
  });
  const software = stixId('tool');
  ids['S0002'] = software;
  objects.push({
    type: 'tool',
    id: software,
    name: 'Mimikatz',
    x_mitre_aliases: ['Mimikatz'],
    x_mitre_platforms: ['Windows'],
    external_references: reference('S0002', 'software/S0002'),
  });
  const campaign = stixId('campaign');
  ids['C0001'] = campaign;
  objects.push({
    type: 'campaign',
    id: campaign,
    name: 'Operation Ballot',
    aliases: ['Operation Ballot'],
    first_seen: '2024-09-01T00:00:00.000Z',
    last_seen: '2024-11-06T00:00:00.000Z',
    external_references: reference('C0001', 'campaigns/C0001'),
  });
  relationship('uses', 'G0007', 'T1003.001');
  relationship('uses', 'G0007', 'T1190');
  relationship('uses', 'G0007', 'S0002');
  relationship('uses', 'S0002', 'T1003.001');
  relationship('uses', 'C0001', 'T1190');
  relationship('attributed-to', 'C0001', 'G0007');
  // Things the catalogue does not keep: a mitigation and its relationship, an analytic.
  const mitigation = stixId('course-of-action');
  objects.push({ type: 'course-of-action', id: mitigation, name: 'Privileged Account Management' });
  objects.push({
    type: 'relationship',
    id: stixId('relationship'),
    relationship_type: 'mitigates',
    source_ref: mitigation,
    target_ref: ids['T1003.001'],
  });
  objects.push({ type: 'x-mitre-analytic', id: stixId('x-mitre-analytic'), name: 'Analytic 1' });
  return { bundle: { type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects }, ids };
}

/** The mini bundle through the real loader (written to a temporary file and read back). */
export async function loadMiniCatalogue(): Promise<AttackCatalogue> {
  const dir = mkdtempSync(join(tmpdir(), 'bg-attack-'));
  try {
    const file = join(dir, 'mini-attack.json');
    writeFileSync(file, JSON.stringify(miniBundle().bundle, null, 2));
    const loaded = await loadAttackBundle(file, new Date(0));
    if (loaded.issues.length > 0) throw new Error(`the mini bundle has issues: ${loaded.issues[0]!.message}`);
    return loaded.catalogue;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
