/**
 * ATT&CK coverage of a rule set: how many rules detect each technique, which techniques none detects,
 * and the same as an ATT&CK Navigator layer (layer format 4.5).
 *
 * Counting: a rule counts for every technique it is tagged with. A parent technique (T1003) also counts
 * the rules tagged with any of its sub-techniques (T1003.001), each rule once — detecting LSASS dumping
 * is detecting OS Credential Dumping. The reverse does not hold: a rule tagged T1003 does not count for
 * T1003.001. A tag naming a revoked technique counts for the technique that replaced it (and is listed
 * in `remapped`); tags the catalogue does not know are listed in `unknownTags`.
 */
import type { RuleLevel } from '../../sigma/parse/ast.js';
import type { AttackIndex, AttackTechnique } from './catalogue.js';
import { parseAttackTag } from './tags.js';

export interface CoverageRule {
  readonly id: string;
  readonly title: string;
  readonly level: RuleLevel;
  readonly path: string;
  readonly tags: readonly string[];
}

export interface CoverageRuleRef {
  readonly id: string;
  readonly title: string;
  readonly level: RuleLevel;
  readonly path: string;
}

export interface TechniqueCoverage {
  readonly id: string;
  readonly name?: string;
  readonly tactics: readonly string[];
  readonly subtechnique: boolean;
  /** Rules tagged with this technique. */
  readonly rules: readonly CoverageRuleRef[];
  /** For a parent technique: rules tagged only with one of its sub-techniques. */
  readonly viaSubtechniques: readonly CoverageRuleRef[];
  /** Distinct rules of both lists: the score. */
  readonly count: number;
}

export interface UncoveredTechnique {
  readonly id: string;
  readonly name: string;
  readonly tactics: readonly string[];
  readonly subtechnique: boolean;
}

export interface TacticCoverage {
  readonly shortname: string;
  readonly id?: string;
  readonly name?: string;
  /** Active techniques (not sub-techniques) under the tactic, and how many have at least one rule. */
  readonly techniques: number;
  readonly covered: number;
}

export interface CoverageReport {
  /** Catalogue identity, absent when none is loaded. */
  readonly attack?: { readonly domain: string; readonly version: string };
  readonly rules: number;
  /** Rules with no ATT&CK technique tag. */
  readonly untagged: readonly CoverageRuleRef[];
  /** Covered techniques and sub-techniques, sorted by ID. */
  readonly techniques: readonly TechniqueCoverage[];
  /** Active techniques and sub-techniques no rule covers (empty without a catalogue), sorted by ID. */
  readonly uncovered: readonly UncoveredTechnique[];
  readonly tactics: readonly TacticCoverage[];
  readonly totals: {
    /** Active techniques (sub-techniques not counted) in the catalogue, and how many are covered. */
    readonly techniques: number;
    readonly coveredTechniques: number;
    readonly subtechniques: number;
    readonly coveredSubtechniques: number;
  };
  readonly unknownTags: readonly { readonly rule: string; readonly tag: string }[];
  readonly remapped: readonly { readonly rule: string; readonly tag: string; readonly to: string }[];
}

const refOf = (rule: CoverageRule): CoverageRuleRef => ({
  id: rule.id,
  title: rule.title,
  level: rule.level,
  path: rule.path,
});

const parentOf = (id: string): string | undefined =>
  id.includes('.') ? id.slice(0, id.indexOf('.')) : undefined;

/** Follows `revokedBy` links (bounded, in case a catalogue has a cycle). */
function current(id: string, index: AttackIndex): string {
  let technique: AttackTechnique | undefined = index.technique(id);
  let result = id;
  for (let hops = 0; hops < 8 && technique?.revoked === true && technique.revokedBy !== undefined; hops++) {
    result = technique.revokedBy;
    technique = index.technique(result);
  }
  return result;
}

export function computeCoverage(rules: readonly CoverageRule[], index: AttackIndex): CoverageReport {
  const direct = new Map<string, Map<string, CoverageRuleRef>>();
  const untagged: CoverageRuleRef[] = [];
  const unknownTags: { rule: string; tag: string }[] = [];
  const remapped: { rule: string; tag: string; to: string }[] = [];
  for (const rule of rules) {
    let tagged = false;
    for (const tag of rule.tags) {
      const parsed = parseAttackTag(tag);
      if (parsed?.kind !== 'technique') continue;
      tagged = true;
      let id = parsed.id;
      if (index.loaded) {
        const technique = index.technique(id);
        if (technique === undefined) {
          unknownTags.push({ rule: rule.id, tag });
          continue;
        }
        const replacement = current(id, index);
        if (replacement !== id) {
          remapped.push({ rule: rule.id, tag, to: replacement });
          id = replacement;
        }
      }
      const holders = direct.get(id) ?? new Map<string, CoverageRuleRef>();
      holders.set(rule.id, refOf(rule));
      direct.set(id, holders);
    }
    if (!tagged) untagged.push(refOf(rule));
  }

  const viaSub = new Map<string, Map<string, CoverageRuleRef>>();
  for (const [id, holders] of direct) {
    const parent = parentOf(id);
    if (parent === undefined) continue;
    const parentDirect = direct.get(parent);
    const via = viaSub.get(parent) ?? new Map<string, CoverageRuleRef>();
    for (const [ruleId, ref] of holders) if (parentDirect?.has(ruleId) !== true) via.set(ruleId, ref);
    viaSub.set(parent, via);
  }

  const byRuleTitle = (a: CoverageRuleRef, b: CoverageRuleRef): number =>
    a.title.localeCompare(b.title) || a.id.localeCompare(b.id);
  const coveredIds = [...new Set([...direct.keys(), ...viaSub.keys()])].sort();
  const techniques: TechniqueCoverage[] = coveredIds.map((id) => {
    const known = index.technique(id);
    const rulesHere = [...(direct.get(id)?.values() ?? [])].sort(byRuleTitle);
    const via = [...(viaSub.get(id)?.values() ?? [])].sort(byRuleTitle);
    return {
      id,
      ...(known !== undefined ? { name: known.name } : {}),
      tactics: known?.tactics ?? [],
      subtechnique: id.includes('.'),
      rules: rulesHere,
      viaSubtechniques: via,
      count: rulesHere.length + via.length,
    };
  });
  const covered = new Set(coveredIds);

  const active = index.activeTechniques();
  const uncovered = active
    .filter((technique) => !covered.has(technique.id))
    .map((technique) => ({
      id: technique.id,
      name: technique.name,
      tactics: technique.tactics,
      subtechnique: technique.subtechnique,
    }));
  const parents = active.filter((technique) => !technique.subtechnique);
  const subs = active.filter((technique) => technique.subtechnique);
  const tactics: TacticCoverage[] = index.tactics.map((tactic) => {
    const under = parents.filter((technique) => technique.tactics.includes(tactic.shortname));
    return {
      shortname: tactic.shortname,
      id: tactic.id,
      name: tactic.name,
      techniques: under.length,
      covered: under.filter((technique) => covered.has(technique.id)).length,
    };
  });
  const catalogue = index.catalogue;
  return {
    ...(catalogue !== undefined
      ? { attack: { domain: catalogue.domain, version: catalogue.attackVersion } }
      : {}),
    rules: rules.length,
    untagged,
    techniques,
    uncovered,
    tactics: index.loaded ? tactics : [],
    totals: {
      techniques: parents.length,
      coveredTechniques: parents.filter((technique) => covered.has(technique.id)).length,
      subtechniques: subs.length,
      coveredSubtechniques: subs.filter((technique) => covered.has(technique.id)).length,
    },
    unknownTags,
    remapped,
  };
}

// --- ATT&CK Navigator layer (format 4.5) ---------------------------------------------------------------

export interface NavigatorMetadata {
  readonly name: string;
  readonly value: string;
}

export interface NavigatorTechnique {
  readonly techniqueID: string;
  readonly score: number;
  readonly comment: string;
  readonly enabled: boolean;
  readonly metadata: readonly NavigatorMetadata[];
  readonly links: readonly { readonly label: string; readonly url: string }[];
  readonly showSubtechniques: boolean;
}

export interface NavigatorLayer {
  readonly name: string;
  readonly versions: { readonly attack?: string; readonly navigator: string; readonly layer: '4.5' };
  readonly domain: string;
  readonly description: string;
  readonly sorting: number;
  readonly layout: {
    readonly layout: 'side' | 'flat' | 'mini';
    readonly showID: boolean;
    readonly showName: boolean;
    readonly showAggregateScores: boolean;
    readonly countUnscored: boolean;
    readonly aggregateFunction: 'average' | 'min' | 'max' | 'sum';
    readonly expandedSubtechniques: 'none' | 'all' | 'annotated';
  };
  readonly hideDisabled: boolean;
  readonly techniques: readonly NavigatorTechnique[];
  readonly gradient: {
    readonly colors: readonly string[];
    readonly minValue: number;
    readonly maxValue: number;
  };
  readonly legendItems: readonly { readonly label: string; readonly color: string }[];
  readonly showTacticRowBackground: boolean;
  readonly tacticRowBackground: string;
  readonly selectTechniquesAcrossTactics: boolean;
  readonly selectSubtechniquesWithParent: boolean;
  readonly selectVisibleTechniques: boolean;
  readonly metadata: readonly NavigatorMetadata[];
  readonly links: readonly { readonly label: string; readonly url: string }[];
}

export interface NavigatorOptions {
  readonly name?: string;
  /** Written into the layer's metadata (e.g. `ballotguard 0.1.0`). */
  readonly generator: string;
}

/** The Navigator version whose layer format is 4.5 (the spec asks for at least 4.9.0). */
const NAVIGATOR_VERSION = '5.2.0';
/** Comments list at most this many rule titles; the rest are counted. */
const MAX_TITLES_IN_COMMENT = 20;

function comment(entry: TechniqueCoverage): string {
  const titles = [...entry.rules, ...entry.viaSubtechniques].map((rule) => rule.title);
  const shown = titles.slice(0, MAX_TITLES_IN_COMMENT);
  const more = titles.length - shown.length;
  const head = `${entry.count} rule${entry.count === 1 ? '' : 's'}`;
  const via =
    entry.viaSubtechniques.length > 0 ? ` (${entry.viaSubtechniques.length} via sub-techniques)` : '';
  return `${head}${via}: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/**
 * A layer with one entry per covered technique: score = the number of rules (`count`), a comment listing
 * rule titles, the rules as metadata, and parents shown expanded when a sub-technique is covered.
 * Technique entries carry no `tactic`, so each shows under every tactic of the technique. Deterministic:
 * no timestamps, entries sorted by technique ID.
 */
export function navigatorLayer(report: CoverageReport, options: NavigatorOptions): NavigatorLayer {
  const maxScore = report.techniques.reduce((max, entry) => Math.max(max, entry.count), 0);
  const coveredSubParents = new Set(
    report.techniques.filter((entry) => entry.subtechnique).map((entry) => parentOf(entry.id)!),
  );
  const version = report.attack?.version;
  const major = version !== undefined && /^\d+/.test(version) ? /^\d+/.exec(version)![0] : undefined;
  const totals = report.totals;
  return {
    name: options.name ?? 'Ballotguard rule coverage',
    versions: {
      ...(major !== undefined ? { attack: major } : {}),
      navigator: NAVIGATOR_VERSION,
      layer: '4.5',
    },
    domain: report.attack?.domain ?? 'enterprise-attack',
    description:
      `ATT&CK coverage of ${report.rules} Sigma rule(s): ` +
      (report.attack !== undefined
        ? `${totals.coveredTechniques}/${totals.techniques} techniques and ${totals.coveredSubtechniques}/${totals.subtechniques} sub-techniques. `
        : `${report.techniques.length} technique(s) tagged. `) +
      'Score = number of rules; a technique also counts the rules of its sub-techniques.',
    sorting: 3,
    layout: {
      layout: 'side',
      showID: true,
      showName: true,
      showAggregateScores: false,
      countUnscored: false,
      aggregateFunction: 'max',
      expandedSubtechniques: 'annotated',
    },
    hideDisabled: false,
    techniques: report.techniques.map((entry) => ({
      techniqueID: entry.id,
      score: entry.count,
      comment: comment(entry),
      enabled: true,
      metadata: [
        ...entry.rules.map((rule) => ({ name: 'rule', value: `${rule.title} (${rule.id})` })),
        ...entry.viaSubtechniques.map((rule) => ({
          name: 'rule (sub-technique)',
          value: `${rule.title} (${rule.id})`,
        })),
      ],
      links: [],
      showSubtechniques: coveredSubParents.has(entry.id),
    })),
    gradient: {
      colors: ['#ffffffff', '#66b1ffff', '#0d4a90ff'],
      minValue: 0,
      maxValue: Math.max(maxScore, 1),
    },
    legendItems: [],
    showTacticRowBackground: false,
    tacticRowBackground: '#dddddd',
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
    selectVisibleTechniques: false,
    metadata: [
      { name: 'generator', value: options.generator },
      { name: 'rules', value: String(report.rules) },
      ...(version !== undefined ? [{ name: 'ATT&CK version', value: version }] : []),
    ],
    links: [],
  };
}
