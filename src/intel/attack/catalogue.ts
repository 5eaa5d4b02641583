/**
 * The ATT&CK catalogue: the compact part of a MITRE ATT&CK STIX bundle that Ballotguard needs (tactics in
 * matrix order, techniques and sub-techniques, groups, software and campaigns with what they use), kept
 * as plain JSON so `attack import` can save it and every other command can read it in milliseconds.
 * `AttackIndex` answers lookups by ATT&CK ID, tactic shortname, name and alias.
 */
import { z } from 'zod';

export const CATALOGUE_FORMAT = 'ballotguard-attack-catalogue';
export const CATALOGUE_FORMAT_VERSION = 1;

export interface AttackTactic {
  /** `TA0001`. */
  readonly id: string;
  /** `initial-access`: what techniques' kill_chain_phases and Sigma tags name. */
  readonly shortname: string;
  readonly name: string;
  readonly url?: string;
  /** 0-based position in the matrix (the order of the x-mitre-matrix `tactic_refs`). */
  readonly order: number;
}

export interface AttackTechnique {
  /** `T1059` or `T1059.001`. */
  readonly id: string;
  readonly name: string;
  /** Tactic shortnames, in the order the bundle lists them. */
  readonly tactics: readonly string[];
  readonly platforms: readonly string[];
  readonly url?: string;
  readonly subtechnique: boolean;
  /** The parent technique of a sub-technique (`T1059` for `T1059.001`). */
  readonly parent?: string;
  readonly deprecated: boolean;
  readonly revoked: boolean;
  /** The technique that replaced a revoked one. */
  readonly revokedBy?: string;
}

export interface AttackGroup {
  /** `G0007`. */
  readonly id: string;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly url?: string;
  /** Technique IDs the group is recorded to use (direct `uses` relationships), sorted. */
  readonly techniques: readonly string[];
  /** Software IDs the group uses, sorted. */
  readonly software: readonly string[];
  readonly deprecated: boolean;
  readonly revoked: boolean;
  readonly revokedBy?: string;
}

export interface AttackSoftware {
  /** `S0002`. */
  readonly id: string;
  readonly name: string;
  readonly type: 'malware' | 'tool';
  readonly aliases: readonly string[];
  readonly platforms: readonly string[];
  readonly url?: string;
  readonly techniques: readonly string[];
  readonly deprecated: boolean;
  readonly revoked: boolean;
  readonly revokedBy?: string;
}

export interface AttackCampaign {
  /** `C0001`. */
  readonly id: string;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly url?: string;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  readonly techniques: readonly string[];
  readonly software: readonly string[];
  /** Group IDs the campaign is attributed to. */
  readonly groups: readonly string[];
  readonly deprecated: boolean;
  readonly revoked: boolean;
}

export interface AttackCatalogue {
  readonly format: typeof CATALOGUE_FORMAT;
  readonly formatVersion: typeof CATALOGUE_FORMAT_VERSION;
  /** `enterprise-attack`, `mobile-attack` or `ics-attack` (the matrix's external id). */
  readonly domain: string;
  /** ATT&CK content version, e.g. `18.1` (from the x-mitre-collection, else the newest object). */
  readonly attackVersion: string;
  /** ATT&CK STIX spec version, e.g. `3.3.0`, when the bundle says. */
  readonly specVersion?: string;
  readonly name: string;
  readonly source: {
    readonly file: string;
    readonly sha256: string;
    readonly bytes: number;
    /** When the catalogue was built (ISO). */
    readonly importedAt: string;
  };
  readonly tactics: readonly AttackTactic[];
  readonly techniques: readonly AttackTechnique[];
  readonly groups: readonly AttackGroup[];
  readonly software: readonly AttackSoftware[];
  readonly campaigns: readonly AttackCampaign[];
}

const ids = z.array(z.string());
const flags = { deprecated: z.boolean(), revoked: z.boolean() };

/** Validates a saved catalogue (a file may be hand-edited, truncated or from another version). */
export const catalogueSchema = z.object({
  format: z.literal(CATALOGUE_FORMAT),
  formatVersion: z.literal(CATALOGUE_FORMAT_VERSION),
  domain: z.string(),
  attackVersion: z.string(),
  specVersion: z.string().optional(),
  name: z.string(),
  source: z.object({
    file: z.string(),
    sha256: z.string(),
    bytes: z.number().int().nonnegative(),
    importedAt: z.string(),
  }),
  tactics: z.array(
    z.object({
      id: z.string(),
      shortname: z.string(),
      name: z.string(),
      url: z.string().optional(),
      order: z.number().int().nonnegative(),
    }),
  ),
  techniques: z.array(
    z.object({
      id: z.string().regex(/^T\d{4}(\.\d{3})?$/),
      name: z.string(),
      tactics: ids,
      platforms: ids,
      url: z.string().optional(),
      subtechnique: z.boolean(),
      parent: z.string().optional(),
      ...flags,
      revokedBy: z.string().optional(),
    }),
  ),
  groups: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      aliases: ids,
      url: z.string().optional(),
      techniques: ids,
      software: ids,
      ...flags,
      revokedBy: z.string().optional(),
    }),
  ),
  software: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      type: z.enum(['malware', 'tool']),
      aliases: ids,
      platforms: ids,
      url: z.string().optional(),
      techniques: ids,
      ...flags,
      revokedBy: z.string().optional(),
    }),
  ),
  campaigns: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      aliases: ids,
      url: z.string().optional(),
      firstSeen: z.string().optional(),
      lastSeen: z.string().optional(),
      techniques: ids,
      software: ids,
      groups: ids,
      ...flags,
    }),
  ),
});

/**
 * The tactics of ATT&CK Enterprise in matrix order, used only when no catalogue is loaded, so that kill
 * chains are still ordered and tactic tags still named. The loaded catalogue always wins.
 */
export const ENTERPRISE_TACTICS: readonly AttackTactic[] = [
  ['TA0043', 'reconnaissance', 'Reconnaissance'],
  ['TA0042', 'resource-development', 'Resource Development'],
  ['TA0001', 'initial-access', 'Initial Access'],
  ['TA0002', 'execution', 'Execution'],
  ['TA0003', 'persistence', 'Persistence'],
  ['TA0004', 'privilege-escalation', 'Privilege Escalation'],
  ['TA0005', 'defense-evasion', 'Defense Evasion'],
  ['TA0006', 'credential-access', 'Credential Access'],
  ['TA0007', 'discovery', 'Discovery'],
  ['TA0008', 'lateral-movement', 'Lateral Movement'],
  ['TA0009', 'collection', 'Collection'],
  ['TA0011', 'command-and-control', 'Command and Control'],
  ['TA0010', 'exfiltration', 'Exfiltration'],
  ['TA0040', 'impact', 'Impact'],
].map(([id, shortname, name], order) => ({
  id: id!,
  shortname: shortname!,
  name: name!,
  url: `https://attack.mitre.org/tactics/${id!}`,
  order,
}));

/** Lookups over a catalogue (or, without one, over the built-in Enterprise tactic list only). */
export class AttackIndex {
  private readonly techniquesById = new Map<string, AttackTechnique>();
  private readonly tacticsByKey = new Map<string, AttackTactic>();
  private readonly groupsById = new Map<string, AttackGroup>();
  private readonly softwareById = new Map<string, AttackSoftware>();
  private readonly campaignsById = new Map<string, AttackCampaign>();
  private readonly subtechniques = new Map<string, AttackTechnique[]>();
  private groupsByTechnique: Map<string, AttackGroup[]> | undefined;
  readonly tactics: readonly AttackTactic[];

  /** `catalogue` undefined: only tactics are known (the built-in Enterprise list). */
  constructor(readonly catalogue: AttackCatalogue | undefined) {
    this.tactics = [...(catalogue?.tactics ?? ENTERPRISE_TACTICS)].sort((a, b) => a.order - b.order);
    for (const tactic of this.tactics) {
      this.tacticsByKey.set(tactic.id.toUpperCase(), tactic);
      this.tacticsByKey.set(tactic.shortname, tactic);
    }
    if (catalogue === undefined) return;
    for (const technique of catalogue.techniques) {
      this.techniquesById.set(technique.id, technique);
      if (technique.parent !== undefined) {
        const list = this.subtechniques.get(technique.parent) ?? [];
        list.push(technique);
        this.subtechniques.set(technique.parent, list);
      }
    }
    for (const list of this.subtechniques.values()) list.sort((a, b) => a.id.localeCompare(b.id));
    for (const group of catalogue.groups) this.groupsById.set(group.id, group);
    for (const software of catalogue.software) this.softwareById.set(software.id, software);
    for (const campaign of catalogue.campaigns) this.campaignsById.set(campaign.id, campaign);
  }

  get loaded(): boolean {
    return this.catalogue !== undefined;
  }

  technique(id: string): AttackTechnique | undefined {
    return this.techniquesById.get(id.toUpperCase());
  }

  /** By `TA0006`, `credential-access`, `credential_access` or `Credential Access`. */
  tactic(key: string): AttackTactic | undefined {
    const direct = this.tacticsByKey.get(key.toUpperCase()) ?? this.tacticsByKey.get(tacticShortname(key));
    return direct;
  }

  group(id: string): AttackGroup | undefined {
    return this.groupsById.get(id.toUpperCase());
  }

  software(id: string): AttackSoftware | undefined {
    return this.softwareById.get(id.toUpperCase());
  }

  campaign(id: string): AttackCampaign | undefined {
    return this.campaignsById.get(id.toUpperCase());
  }

  subtechniquesOf(id: string): readonly AttackTechnique[] {
    return this.subtechniques.get(id.toUpperCase()) ?? [];
  }

  /** Groups with a direct `uses` relationship to the technique, by group ID. */
  groupsUsing(techniqueId: string): readonly AttackGroup[] {
    if (this.groupsByTechnique === undefined) {
      this.groupsByTechnique = new Map();
      for (const group of this.catalogue?.groups ?? []) {
        if (group.revoked || group.deprecated) continue;
        for (const id of group.techniques) {
          const list = this.groupsByTechnique.get(id) ?? [];
          list.push(group);
          this.groupsByTechnique.set(id, list);
        }
      }
    }
    return this.groupsByTechnique.get(techniqueId.toUpperCase()) ?? [];
  }

  /** Techniques in the current matrix: neither revoked nor deprecated. */
  activeTechniques(): AttackTechnique[] {
    return (this.catalogue?.techniques ?? []).filter(
      (technique) => !technique.revoked && !technique.deprecated,
    );
  }

  /** Matrix position of a tactic shortname; unknown tactics sort last. */
  tacticOrder(shortname: string): number {
    return this.tactic(shortname)?.order ?? Number.MAX_SAFE_INTEGER;
  }
}

/** `Credential Access`, `credential_access` → `credential-access` (the form kill_chain_phases use). */
export function tacticShortname(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
}
