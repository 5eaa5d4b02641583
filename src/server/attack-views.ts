/**
 * ATT&CK as the API shows it: the techniques and tactics of an alert, the kill chain of an incident, the
 * coverage of the loaded rules and the heatmap of rules and alerts per technique. Names come from the
 * imported catalogue (`ballotguard attack import`); without one, IDs are shown without names and the
 * `catalogue.hint` says how to get them.
 */
import type { AttackIndex } from '../intel/attack/catalogue.js';
import { IMPORT_HINT } from '../intel/attack/catalogue-file.js';
import { computeCoverage } from '../intel/attack/coverage.js';
import type { CoverageReport, CoverageRule } from '../intel/attack/coverage.js';
import { killChain } from '../intel/attack/kill-chain.js';
import { attackOfTags, parseAttackTag } from '../intel/attack/tags.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import { RULE_LEVELS } from '../sigma/parse/ast.js';
import type { IncidentDetail } from '../store/store.js';

export function catalogueInfo(index: AttackIndex): {
  loaded: boolean;
  domain?: string;
  version?: string;
  hint?: string;
} {
  const catalogue = index.catalogue;
  if (catalogue === undefined) return { loaded: false, hint: IMPORT_HINT };
  return { loaded: true, domain: catalogue.domain, version: catalogue.attackVersion };
}

const named = <T extends { name?: string | undefined }>(name: string | undefined): Partial<T> =>
  (name !== undefined ? { name } : {}) as Partial<T>;

export function alertAttack(
  tags: readonly string[],
  index: AttackIndex,
): {
  techniques: { id: string; name?: string; tactics: string[] }[];
  tactics: { shortname: string; id?: string; name?: string }[];
} {
  const mapping = attackOfTags(tags, index);
  return {
    techniques: mapping.techniques.map((technique) => ({
      id: technique.id,
      ...named(technique.name),
      tactics: [...technique.tactics],
    })),
    tactics: mapping.tactics.map((tactic) => ({
      shortname: tactic.shortname,
      ...(tactic.id !== undefined ? { id: tactic.id } : {}),
      ...named(tactic.name),
    })),
  };
}

/** The incident's kill chain; alerts without a time cannot be placed in it. */
export function incidentKillChain(incident: IncidentDetail, index: AttackIndex) {
  const chain = killChain(
    incident.alerts
      .filter((alert) => alert.firstSeen !== null)
      .map((alert) => ({ alertId: String(alert.id), timestamp: alert.firstSeen!, tags: alert.rule.tags })),
    index,
  );
  return {
    killChain: chain.stages.map((stage) => ({
      tactic: stage.tactic.shortname,
      ...(stage.tactic.id !== undefined ? { id: stage.tactic.id } : {}),
      ...named(stage.tactic.name),
      firstSeen: stage.firstSeen,
      lastSeen: stage.lastSeen,
      techniques: stage.techniques.map((technique) => ({
        id: technique.id,
        ...named(technique.name),
        firstSeen: technique.firstSeen,
        lastSeen: technique.lastSeen,
        alerts: technique.alerts.map(Number),
      })),
    })),
    unplacedTechniques: chain.unplaced.map((technique) => ({ id: technique.id, ...named(technique.name) })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Rules

export interface RuleInfo {
  readonly id: string;
  readonly title: string;
  readonly level: RuleLevel;
  readonly tags: readonly string[];
  /** Relative to the rule folder it was loaded from. */
  readonly path: string;
  /** ATT&CK technique IDs it is tagged with (`T1003.001`). */
  readonly techniques: readonly string[];
}

export interface RuleFilter {
  readonly q?: string;
  readonly levels?: readonly RuleLevel[];
  readonly technique?: string;
}

/** The rules the server hunts with, for listing and coverage; computed once per catalogue. */
export class RuleCatalogue {
  readonly rules: readonly RuleInfo[];
  private coverageCache: { index: AttackIndex; report: CoverageReport } | undefined;

  constructor(
    private readonly compiled: readonly CoverageRule[],
    roots: readonly string[] = [],
  ) {
    const display = (path: string): string => {
      for (const root of roots) {
        const prefix = root.endsWith('/') ? root : `${root}/`;
        if (path.startsWith(prefix)) return path.slice(prefix.length);
      }
      return path;
    };
    this.rules = compiled
      .map((rule) => ({
        id: rule.id,
        title: rule.title,
        level: rule.level,
        tags: [...rule.tags],
        path: display(rule.path),
        techniques: [
          ...new Set(
            rule.tags.flatMap((tag) => {
              const parsed = parseAttackTag(tag);
              return parsed?.kind === 'technique' ? [parsed.id] : [];
            }),
          ),
        ],
      }))
      .sort(
        (a, b) =>
          RULE_LEVELS.indexOf(b.level) - RULE_LEVELS.indexOf(a.level) ||
          a.title.localeCompare(b.title) ||
          a.id.localeCompare(b.id),
      );
  }

  list(filter: RuleFilter): RuleInfo[] {
    const q = filter.q?.toLowerCase();
    const technique = filter.technique?.toUpperCase().replace(/^ATTACK\./, '');
    return this.rules.filter(
      (rule) =>
        (q === undefined ||
          rule.id.toLowerCase().includes(q) ||
          rule.title.toLowerCase().includes(q) ||
          rule.path.toLowerCase().includes(q)) &&
        (filter.levels === undefined || filter.levels.includes(rule.level)) &&
        (technique === undefined ||
          rule.techniques.some((id) => id === technique || id.startsWith(`${technique}.`))),
    );
  }

  coverage(index: AttackIndex): CoverageReport {
    if (this.coverageCache?.index !== index)
      this.coverageCache = { index, report: computeCoverage(this.compiled, index) };
    return this.coverageCache.report;
  }
}

export function coverageView(catalogue: RuleCatalogue, index: AttackIndex) {
  const report = catalogue.coverage(index);
  return {
    catalogue: catalogueInfo(index),
    rules: report.rules,
    untagged: report.untagged.length,
    totals: report.totals,
    tactics: report.tactics.map((tactic) => ({
      shortname: tactic.shortname,
      ...(tactic.id !== undefined ? { id: tactic.id } : {}),
      ...named(tactic.name),
      techniques: tactic.techniques,
      covered: tactic.covered,
    })),
    techniques: report.techniques.map((technique) => ({
      id: technique.id,
      ...named(technique.name),
      tactics: [...technique.tactics],
      count: technique.count,
      rules: [...new Set([...technique.rules, ...technique.viaSubtechniques].map((rule) => rule.id))],
    })),
    uncovered: report.uncovered.map((technique) => ({
      id: technique.id,
      name: technique.name,
      tactics: [...technique.tactics],
    })),
  };
}

/**
 * Rules and alerts per technique: every active technique of the catalogue (so gaps show), plus any
 * technique or sub-technique a rule covers or an alert was seen for.
 */
export function heatmapView(
  catalogue: RuleCatalogue,
  index: AttackIndex,
  alertsByTechnique: readonly { readonly technique: string; readonly count: number }[],
) {
  const report = catalogue.coverage(index);
  const rows = new Map<
    string,
    { id: string; name?: string; tactics: string[]; rules: number; alertsSeen: number }
  >();
  const row = (id: string) => {
    let existing = rows.get(id);
    if (existing === undefined) {
      const known = index.technique(id);
      existing = { id, ...named(known?.name), tactics: [...(known?.tactics ?? [])], rules: 0, alertsSeen: 0 };
      rows.set(id, existing);
    }
    return existing;
  };
  for (const technique of index.activeTechniques()) if (!technique.subtechnique) row(technique.id);
  for (const technique of report.techniques) {
    const target = row(technique.id);
    target.rules = technique.count;
    if (target.tactics.length === 0) target.tactics = [...technique.tactics];
  }
  for (const seen of alertsByTechnique) row(seen.technique.toUpperCase()).alertsSeen = seen.count;
  return {
    catalogue: catalogueInfo(index),
    techniques: [...rows.values()].sort((a, b) => a.id.localeCompare(b.id)),
    tactics: index.tactics.map((tactic) => ({
      shortname: tactic.shortname,
      id: tactic.id,
      name: tactic.name,
    })),
  };
}
