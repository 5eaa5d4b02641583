/**
 * ATT&CK from Sigma tags. The Sigma tag convention (sigma-specification, "Tags") names techniques
 * `attack.t1059` / `attack.t1059.001`, tactics by shortname `attack.execution` (older rules write
 * `attack.credential_access`), groups `attack.g0007` and software `attack.s0002`. Other namespaces
 * (`cve.`, `car.`, `detection.`) are not ATT&CK and are ignored.
 *
 * @example
 *   attackOfTags(['attack.t1003.001', 'attack.credential_access'], index)
 *   // techniques: [{id: 'T1003.001', name: 'LSASS Memory', tactics: ['credential-access'], …}]
 *   // tactics:    [{id: 'TA0006', shortname: 'credential-access', name: 'Credential Access', …}]
 */
import type { AttackIndex } from './catalogue.js';
import { tacticShortname } from './catalogue.js';

export type AttackTag =
  | { readonly kind: 'technique'; readonly id: string }
  | { readonly kind: 'tactic'; readonly key: string }
  | { readonly kind: 'group'; readonly id: string }
  | { readonly kind: 'software'; readonly id: string }
  | { readonly kind: 'campaign'; readonly id: string };

/** Reads one tag; undefined for tags outside the `attack.` namespace. Case does not matter. */
export function parseAttackTag(tag: string): AttackTag | undefined {
  const match = /^attack\.(.+)$/i.exec(tag.trim());
  if (match === null) return undefined;
  const body = match[1]!.toLowerCase();
  if (/^t\d{4}(\.\d{3})?$/.test(body)) return { kind: 'technique', id: body.toUpperCase() };
  if (/^ta\d{4}$/.test(body)) return { kind: 'tactic', key: body.toUpperCase() };
  if (/^g\d{4}$/.test(body)) return { kind: 'group', id: body.toUpperCase() };
  if (/^s\d{4}$/.test(body)) return { kind: 'software', id: body.toUpperCase() };
  if (/^c\d{4}$/.test(body)) return { kind: 'campaign', id: body.toUpperCase() };
  if (/^[a-z][a-z_-]*$/.test(body)) return { kind: 'tactic', key: tacticShortname(body) };
  return undefined;
}

export interface TechniqueRef {
  readonly id: string;
  /** Undefined when no catalogue is loaded or the ID is not in it. */
  readonly name?: string;
  /** Tactic shortnames of the technique (from the catalogue). */
  readonly tactics: readonly string[];
  readonly url?: string;
  /** In the loaded catalogue. */
  readonly known: boolean;
  readonly deprecated?: boolean;
  readonly revoked?: boolean;
  readonly revokedBy?: string;
}

export interface TacticRef {
  readonly shortname: string;
  readonly id?: string;
  readonly name?: string;
  /** Matrix position; unknown tactics sort last. */
  readonly order: number;
  /** Named by a tag (rather than only implied by a technique). */
  readonly tagged: boolean;
}

export interface NamedRef {
  readonly id: string;
  readonly name?: string;
  readonly known: boolean;
}

export interface AttackMapping {
  /** Sorted by ID. */
  readonly techniques: readonly TechniqueRef[];
  /** In matrix order. */
  readonly tactics: readonly TacticRef[];
  readonly groups: readonly NamedRef[];
  readonly software: readonly NamedRef[];
  readonly campaigns: readonly NamedRef[];
  /**
   * `attack.*` tags that name nothing: unknown tactic words, or IDs absent from the loaded catalogue.
   * Empty when no catalogue is loaded (IDs cannot be checked then, only tactic words).
   */
  readonly unknown: readonly string[];
}

export function techniqueRef(id: string, index: AttackIndex): TechniqueRef {
  const technique = index.technique(id);
  if (technique === undefined) return { id: id.toUpperCase(), tactics: [], known: false };
  return {
    id: technique.id,
    name: technique.name,
    tactics: technique.tactics,
    ...(technique.url !== undefined ? { url: technique.url } : {}),
    known: true,
    ...(technique.deprecated ? { deprecated: true } : {}),
    ...(technique.revoked ? { revoked: true } : {}),
    ...(technique.revokedBy !== undefined ? { revokedBy: technique.revokedBy } : {}),
  };
}

export function tacticRef(shortname: string, index: AttackIndex, tagged: boolean): TacticRef {
  const tactic = index.tactic(shortname);
  if (tactic === undefined) return { shortname, order: Number.MAX_SAFE_INTEGER, tagged };
  return { shortname: tactic.shortname, id: tactic.id, name: tactic.name, order: tactic.order, tagged };
}

/**
 * Techniques, tactics, groups, software and campaigns named by a rule's tags.
 *
 * Tactics are the tactic tags, plus — for each technique none of whose tactics is tagged — all the
 * technique's tactics from the catalogue. So a rule tagged `attack.t1078` + `attack.initial_access` sits
 * under Initial Access only, while one tagged `attack.t1003.001` alone still lands in Credential Access.
 */
export function attackOfTags(tags: readonly string[], index: AttackIndex): AttackMapping {
  const techniqueIds = new Set<string>();
  const taggedTactics = new Set<string>();
  const groups = new Set<string>();
  const software = new Set<string>();
  const campaigns = new Set<string>();
  const unknown: string[] = [];
  for (const tag of tags) {
    const parsed = parseAttackTag(tag);
    if (parsed === undefined) {
      if (/^attack\./i.test(tag)) unknown.push(tag);
      continue;
    }
    switch (parsed.kind) {
      case 'technique':
        techniqueIds.add(parsed.id);
        if (index.loaded && index.technique(parsed.id) === undefined) unknown.push(tag);
        break;
      case 'tactic': {
        const tactic = index.tactic(parsed.key);
        if (tactic === undefined) unknown.push(tag);
        else taggedTactics.add(tactic.shortname);
        break;
      }
      case 'group':
        groups.add(parsed.id);
        if (index.loaded && index.group(parsed.id) === undefined) unknown.push(tag);
        break;
      case 'software':
        software.add(parsed.id);
        if (index.loaded && index.software(parsed.id) === undefined) unknown.push(tag);
        break;
      case 'campaign':
        campaigns.add(parsed.id);
        if (index.loaded && index.campaign(parsed.id) === undefined) unknown.push(tag);
    }
  }
  const techniques = [...techniqueIds].sort().map((id) => techniqueRef(id, index));
  const tacticNames = new Set(taggedTactics);
  for (const technique of techniques) {
    if (technique.tactics.some((tactic) => taggedTactics.has(tactic))) continue;
    for (const tactic of technique.tactics) tacticNames.add(tactic);
  }
  const tactics = [...tacticNames]
    .map((shortname) => tacticRef(shortname, index, taggedTactics.has(shortname)))
    .sort((a, b) => a.order - b.order || a.shortname.localeCompare(b.shortname));
  const named = (ids: Set<string>, lookup: (id: string) => { name: string } | undefined): NamedRef[] =>
    [...ids].sort().map((id) => {
      const found = lookup(id);
      return found === undefined ? { id, known: false } : { id, name: found.name, known: true };
    });
  return {
    techniques,
    tactics,
    groups: named(groups, (id) => index.group(id)),
    software: named(software, (id) => index.software(id)),
    campaigns: named(campaigns, (id) => index.campaign(id)),
    unknown,
  };
}

/** `T1059.001 PowerShell`, or just the ID without a catalogue. */
export function labelTechnique(ref: { readonly id: string; readonly name?: string }): string {
  return ref.name === undefined ? ref.id : `${ref.id} ${ref.name}`;
}

/** `Credential Access` (or the shortname when the tactic is unknown). */
export function labelTactic(ref: { readonly shortname: string; readonly name?: string }): string {
  return ref.name ?? ref.shortname;
}
