/**
 * The kill chain of a set of alerts (an incident): the ATT&CK tactics its members reached, in matrix
 * order, each with the techniques seen under it and when they were first and last seen.
 *
 * @example
 *   killChain([{ alertId: 'a1', timestamp: '2024-11-05T10:00:00Z', tags: ['attack.t1190'] }, …], index)
 *   // stages: [{ tactic: Initial Access, techniques: [T1190 …], firstSeen: '2024-11-05T10:00:00Z', … }, …]
 */
import type { AttackIndex } from './catalogue.js';
import type { AttackMapping, TacticRef } from './tags.js';
import { attackOfTags } from './tags.js';

export interface KillChainMember {
  readonly alertId: string;
  /** ISO 8601. */
  readonly timestamp: string;
  readonly tags: readonly string[];
}

export interface KillChainTechnique {
  readonly id: string;
  readonly name?: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Alert IDs, in the order given. */
  readonly alerts: readonly string[];
}

export interface KillChainStage {
  readonly tactic: TacticRef;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly alerts: readonly string[];
  /** Sorted by first seen, then ID. */
  readonly techniques: readonly KillChainTechnique[];
}

export interface KillChain {
  /** In matrix order (Reconnaissance … Impact), not time order. */
  readonly stages: readonly KillChainStage[];
  /** Techniques whose tactic is not known (no catalogue and no tactic tag on the rule). */
  readonly unplaced: readonly KillChainTechnique[];
  readonly techniqueCount: number;
}

interface MutableTechnique {
  id: string;
  name?: string;
  firstSeen: string;
  lastSeen: string;
  alerts: string[];
}

interface MutableStage {
  tactic: TacticRef;
  firstSeen: string;
  lastSeen: string;
  alerts: string[];
  techniques: Map<string, MutableTechnique>;
}

const earlier = (a: string, b: string): string => (Date.parse(a) <= Date.parse(b) ? a : b);
const later = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);

function touchTechnique(
  map: Map<string, MutableTechnique>,
  ref: { readonly id: string; readonly name?: string },
  member: KillChainMember,
): void {
  const existing = map.get(ref.id);
  if (existing === undefined) {
    map.set(ref.id, {
      id: ref.id,
      ...(ref.name !== undefined ? { name: ref.name } : {}),
      firstSeen: member.timestamp,
      lastSeen: member.timestamp,
      alerts: [member.alertId],
    });
    return;
  }
  existing.firstSeen = earlier(existing.firstSeen, member.timestamp);
  existing.lastSeen = later(existing.lastSeen, member.timestamp);
  if (!existing.alerts.includes(member.alertId)) existing.alerts.push(member.alertId);
}

const byFirstSeen = (a: MutableTechnique, b: MutableTechnique): number =>
  Date.parse(a.firstSeen) - Date.parse(b.firstSeen) || a.id.localeCompare(b.id);

/**
 * Builds the kill chain. A technique goes under each of the alert's tactics it belongs to; when the
 * catalogue does not know the technique's tactics, under every tactic the alert's rule is tagged with,
 * or in `unplaced` when there is none. `mappingOf` lets a caller reuse mappings it already computed.
 */
export function killChain(
  members: readonly KillChainMember[],
  index: AttackIndex,
  mappingOf: (member: KillChainMember) => AttackMapping = (member) => attackOfTags(member.tags, index),
): KillChain {
  const stages = new Map<string, MutableStage>();
  const unplaced = new Map<string, MutableTechnique>();
  const allTechniques = new Set<string>();
  for (const member of members) {
    const mapping = mappingOf(member);
    for (const technique of mapping.techniques) allTechniques.add(technique.id);
    for (const tactic of mapping.tactics) {
      let stage = stages.get(tactic.shortname);
      if (stage === undefined) {
        stage = {
          tactic,
          firstSeen: member.timestamp,
          lastSeen: member.timestamp,
          alerts: [],
          techniques: new Map(),
        };
        stages.set(tactic.shortname, stage);
      }
      stage.firstSeen = earlier(stage.firstSeen, member.timestamp);
      stage.lastSeen = later(stage.lastSeen, member.timestamp);
      if (!stage.alerts.includes(member.alertId)) stage.alerts.push(member.alertId);
      for (const technique of mapping.techniques) {
        if (technique.tactics.length === 0 || technique.tactics.includes(tactic.shortname))
          touchTechnique(stage.techniques, technique, member);
      }
    }
    if (mapping.tactics.length === 0)
      for (const technique of mapping.techniques) touchTechnique(unplaced, technique, member);
  }
  return {
    stages: [...stages.values()]
      .sort((a, b) => a.tactic.order - b.tactic.order || a.tactic.shortname.localeCompare(b.tactic.shortname))
      .map((stage) => ({
        tactic: stage.tactic,
        firstSeen: stage.firstSeen,
        lastSeen: stage.lastSeen,
        alerts: stage.alerts,
        techniques: [...stage.techniques.values()].sort(byFirstSeen),
      })),
    unplaced: [...unplaced.values()].sort(byFirstSeen),
    techniqueCount: allTechniques.size,
  };
}
