/**
 * An incident's severity, from its members: the highest rule level among them, raised when the members
 * together look like an intrusion in progress rather than one noisy rule.
 *
 * - base: the highest level of any member alert;
 * - +1 when the members span 3 or more ATT&CK tactics (a kill chain: e.g. initial access → execution →
 *   persistence);
 * - +1 when they span 5 or more distinct techniques (a broad toolkit);
 * - capped at critical. Raises never apply to an incident whose members are all informational: that is
 *   context, not detection.
 */
import type { RuleLevel } from '../sigma/parse/ast.js';
import { RULE_LEVELS } from '../sigma/parse/ast.js';

export const KILL_CHAIN_TACTICS = 3;
export const BROAD_TECHNIQUES = 5;

export interface SeverityInput {
  readonly maxLevel: RuleLevel;
  /** Tactic names or shortnames, in matrix order (for the explanation). */
  readonly tactics: readonly string[];
  readonly techniques: readonly string[];
}

export interface IncidentSeverity {
  readonly level: RuleLevel;
  /** Why, in words, base first. */
  readonly reasons: readonly string[];
}

export function levelRank(level: RuleLevel): number {
  return RULE_LEVELS.indexOf(level);
}

export function maxLevel(a: RuleLevel, b: RuleLevel): RuleLevel {
  return levelRank(a) >= levelRank(b) ? a : b;
}

export function incidentSeverity(input: SeverityInput): IncidentSeverity {
  const reasons = [`highest alert level: ${input.maxLevel}`];
  let rank = levelRank(input.maxLevel);
  if (input.maxLevel !== 'informational') {
    if (input.tactics.length >= KILL_CHAIN_TACTICS) {
      rank++;
      reasons.push(`raised: the alerts span ${input.tactics.length} tactics (${input.tactics.join(' → ')})`);
    }
    if (input.techniques.length >= BROAD_TECHNIQUES) {
      rank++;
      reasons.push(`raised: ${input.techniques.length} distinct techniques`);
    }
  }
  const level = RULE_LEVELS[Math.min(rank, RULE_LEVELS.length - 1)]!;
  return { level, reasons };
}
