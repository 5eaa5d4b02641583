/**
 * Rule pack compilation: AST documents → `CompiledRule`s, one compiled variant per logsource mapping
 * variant (e.g. process_creation → Sysmon EID 1, and Security 4688 with renamed fields). Filters (meta
 * rules) are folded into the rules they name; correlation rules compile once the rules they refer to have
 * (src/sigma/correlation/). One bad rule becomes an issue; the others compile.
 */
import type { EventView } from '../../events/field-resolver.js';
import type { Issue } from '../../issues.js';
import type { FieldCondition, LogsourceResolution, MappingPipeline } from '../../mapping/mapping.js';
import { resolveLogsource, unsupportedFields } from '../../mapping/mapping.js';
import type {
  ConditionNode,
  Detection,
  RuleLevel,
  SigmaDocument,
  SigmaFilter,
  SigmaRule,
} from '../parse/ast.js';
import { identifierPatternMatcher } from '../parse/condition.js';
import { compileCorrelations } from '../correlation/compile-correlations.js';
import type { CompiledCorrelation } from '../correlation/types.js';
import { compileDetection } from './compile-detection.js';
import type { NeedGroups } from './field-match.js';
import { CompileError } from './field-match.js';

/**
 * Where a variant applies: Windows channels (with optional event IDs), any Windows event, non-Windows events
 * of no known class (JSON without a channel), or events of text log classes (`w3c`, `syslog`, …).
 */
export type VariantScope =
  | {
      readonly kind: 'windows';
      readonly channels: readonly string[];
      readonly eventIds: ReadonlySet<number> | null;
    }
  | { readonly kind: 'any-windows' }
  | { readonly kind: 'generic' }
  | { readonly kind: 'class'; readonly classes: readonly string[] };

export interface CompiledVariant {
  readonly rule: CompiledRule;
  readonly name: string;
  readonly scope: VariantScope;
  /** Sigma field → event field under this variant's mapping. */
  readonly renames: ReadonlyMap<string, string>;
  readonly test: (view: EventView) => boolean;
  readonly needs: NeedGroups;
}

export interface CompiledRule {
  /** Position in the pack; alerts for one event come out in this order. */
  readonly index: number;
  readonly id: string;
  readonly title: string;
  readonly level: RuleLevel;
  readonly tags: readonly string[];
  readonly path: string;
  /** The rule's AST; absent when compiled with `retainDocuments: false` (worker threads need only closures). */
  readonly document?: SigmaRule;
  readonly variants: readonly CompiledVariant[];
}

export interface RuleSource {
  readonly path: string;
  readonly documents: readonly SigmaDocument[];
}

export interface CompileRulesOptions {
  readonly mapping: MappingPipeline;
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
  /** Counts regex evaluations skipped because an input was too long to evaluate safely. */
  readonly onRegexSkipped?: () => void;
  /** Keep each rule's AST on the compiled rule (default true); dropping it frees memory in workers. */
  readonly retainDocuments?: boolean;
}

export interface CompiledRuleSet {
  readonly rules: readonly CompiledRule[];
  /** Correlation rules, in dependency order (each after the correlations it refers to). */
  readonly correlations: readonly CompiledCorrelation[];
  readonly issues: readonly Issue[];
  /** Rules that failed to compile, with their reason (for `rules check`). */
  readonly failed: readonly {
    readonly path: string;
    readonly id: string;
    readonly code: string;
    readonly message: string;
  }[];
}

export function ruleIdOf(document: SigmaDocument, path: string, index: number): string {
  return document.id ?? document.name ?? `${path}#${index}`;
}

export function compileRules(sources: readonly RuleSource[], options: CompileRulesOptions): CompiledRuleSet {
  const issues: Issue[] = [];
  const failed: { path: string; id: string; code: string; message: string }[] = [];
  const onRegexSkipped = options.onRegexSkipped ?? (() => undefined);
  const filters: { filter: SigmaFilter; path: string }[] = [];
  const pending: { rule: SigmaRule; path: string; id: string }[] = [];
  const documents: { document: SigmaDocument; path: string; id: string }[] = [];
  for (const source of sources) {
    source.documents.forEach((document, index) => {
      if (document.kind === 'filter') filters.push({ filter: document, path: source.path });
      else if (document.kind === 'rule')
        pending.push({ rule: document, path: source.path, id: ruleIdOf(document, source.path, index) });
      documents.push({ document, path: source.path, id: ruleIdOf(document, source.path, index) });
    });
  }

  const rules: CompiledRule[] = [];
  const byReference = new Map<string, CompiledRule[]>();
  for (const { rule, path, id } of pending) {
    const resolution = resolveLogsource(options.mapping, rule.logsource);
    const warnings =
      resolution.kind === 'unknown-windows' && resolution.warning !== undefined
        ? [resolution.warning, ...resolution.warnings]
        : resolution.warnings;
    for (const warning of warnings) {
      issues.push({
        code: 'unmapped-logsource',
        severity: 'warning',
        message: warning,
        location: rule.location,
        rule: id,
      });
    }
    try {
      const variants: CompiledVariant[] = [];
      const compiled: CompiledRule = {
        index: rules.length,
        id,
        title: rule.title,
        level: rule.level ?? 'medium',
        tags: rule.tags,
        path,
        ...(options.retainDocuments === false ? {} : { document: rule }),
        variants,
      };
      const ruleFields = fieldsReadNegatively(rule.detection);
      for (const plan of variantPlans(resolution, ruleFields)) {
        const predicate = compileDetection(rule.detection, {
          renames: plan.renames,
          placeholders: options.placeholders,
          onRegexSkipped,
        });
        const scope = plan.scope(predicate.eventIds);
        if (scope === null) continue;
        const detectionTest = predicate.test;
        const conditionTest = plan.conditions;
        variants.push({
          rule: compiled,
          name: plan.name,
          scope,
          renames: plan.renames,
          test:
            conditionTest === undefined
              ? detectionTest
              : (view) => conditionTest(view) && detectionTest(view),
          needs: predicate.needs,
        });
      }
      rules.push(compiled);
      for (const reference of [rule.id, rule.name]) {
        if (reference === undefined) continue;
        const list = byReference.get(reference) ?? [];
        list.push(compiled);
        byReference.set(reference, list);
      }
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      failed.push({ path, id, code: error.code, message: error.message });
      issues.push({
        code: error.code,
        severity: 'error',
        message: error.message,
        location: error.location,
        rule: id,
      });
    }
  }

  for (const { filter, path } of filters)
    applyFilter(filter, path, byReference, options, onRegexSkipped, issues, failed);

  const compiledIds = new Set(rules.map((rule) => rule.id));
  const correlationSet = compileCorrelations(
    documents,
    pending.map(({ rule, id }) => ({ id, level: rule.level ?? 'medium', compiled: compiledIds.has(id) })),
  );
  issues.push(...correlationSet.issues);
  failed.push(...correlationSet.failed);
  return { rules, correlations: correlationSet.correlations, issues, failed };
}

/** Folds a filter into each rule it names: the rule now matches only when the filter's condition does not. */
function applyFilter(
  filter: SigmaFilter,
  path: string,
  byReference: ReadonlyMap<string, CompiledRule[]>,
  options: CompileRulesOptions,
  onRegexSkipped: () => void,
  issues: Issue[],
  failed: { path: string; id: string; code: string; message: string }[],
): void {
  const label = filter.id ?? filter.title;
  for (const reference of filter.rules) {
    const targets = byReference.get(reference);
    if (targets === undefined) {
      issues.push({
        code: 'filter-target-missing',
        severity: 'warning',
        message: `filter '${filter.title}' names rule '${reference}', which is not loaded`,
        location: filter.location,
        rule: label,
      });
      continue;
    }
    for (const target of targets) {
      const variants = target.variants as CompiledVariant[];
      try {
        for (let i = 0; i < variants.length; i++) {
          const variant = variants[i]!;
          const predicate = compileDetection(filter.detection, {
            renames: variant.renames,
            placeholders: options.placeholders,
            onRegexSkipped,
          });
          const ruleTest = variant.test;
          const filterTest = predicate.test;
          variants[i] = { ...variant, test: (view) => ruleTest(view) && !filterTest(view) };
        }
      } catch (error) {
        if (!(error instanceof CompileError)) throw error;
        failed.push({ path, id: label, code: error.code, message: error.message });
        issues.push({
          code: error.code,
          severity: 'error',
          message: error.message,
          location: error.location,
          rule: label,
        });
        return;
      }
    }
  }
}

interface VariantPlan {
  readonly name: string;
  readonly renames: ReadonlyMap<string, string>;
  /** Extra event conditions the mapping requires (e.g. a provider name), checked before the detection. */
  readonly conditions: ((view: EventView) => boolean) | undefined;
  /** The variant's scope given the event IDs the detection requires; null when it can never match. */
  readonly scope: (detectionIds: ReadonlySet<number> | null) => VariantScope | null;
}

const NO_RENAMES: ReadonlyMap<string, string> = new Map();

/** Renames as a Map: rule field names are untrusted, and `constructor` must not find Object's. */
function toMap(renames: Readonly<Record<string, string>>): ReadonlyMap<string, string> {
  const entries = Object.entries(renames);
  return entries.length === 0 ? NO_RENAMES : new Map(entries);
}

function conditionsTest(conditions: readonly FieldCondition[]): ((view: EventView) => boolean) | undefined {
  if (conditions.length === 0) return undefined;
  const checks = conditions.map((condition) => ({
    field: condition.field,
    values: new Set(condition.values.map((value) => value.toLowerCase())),
  }));
  return (view) =>
    checks.every((check) => {
      const value = view.get(check.field);
      return (
        (typeof value === 'string' || typeof value === 'number') &&
        check.values.has(String(value).toLowerCase())
      );
    });
}

/** The ways a rule applies to events, from its logsource resolution. */
function variantPlans(resolution: LogsourceResolution, ruleFields: readonly string[]): VariantPlan[] {
  const plans = channelPlans(resolution, ruleFields);
  for (const variant of resolution.classes) {
    plans.push({
      name: variant.name,
      renames: toMap(variant.fieldRenames),
      conditions: conditionsTest(variant.conditions),
      scope: () => ({ kind: 'class', classes: variant.classes }),
    });
  }
  return plans;
}

/** The plans for Windows events and for events without a channel or class. */
function channelPlans(resolution: LogsourceResolution, ruleFields: readonly string[]): VariantPlan[] {
  const generic = (name: string, renames: Readonly<Record<string, string>>): VariantPlan => ({
    name,
    renames: toMap(renames),
    conditions: undefined,
    scope: () => ({ kind: 'generic' }),
  });
  if (resolution.kind === 'generic')
    return [generic(resolution.variant.name, resolution.variant.fieldRenames)];
  if (resolution.kind === 'unknown-windows') {
    return [
      {
        name: resolution.variant.name,
        renames: toMap(resolution.variant.fieldRenames),
        conditions: undefined,
        scope: () => ({ kind: 'any-windows' }),
      },
    ];
  }
  const plans: VariantPlan[] = [];
  for (const variant of resolution.variants) {
    // Events of this variant never carry a field the rule reads under a negation: evaluating would turn
    // `not filter` into false matches, so the rule does not apply to this variant.
    if (unsupportedFields(variant, ruleFields).length > 0) continue;
    plans.push({
      name: variant.name,
      renames: toMap(variant.fieldRenames),
      conditions: conditionsTest(variant.conditions),
      scope: (detectionIds) => {
        const mapped: Set<number> | null =
          variant.eventIds.length > 0 ? new Set<number>(variant.eventIds) : null;
        let eventIds: Set<number> | null = mapped;
        if (detectionIds !== null)
          eventIds =
            mapped === null
              ? new Set(detectionIds)
              : new Set([...mapped].filter((eventId) => detectionIds.has(eventId)));
        // The mapping and the detection require disjoint event IDs: this variant can never match.
        if (eventIds !== null && eventIds.size === 0) return null;
        return { kind: 'windows', channels: variant.channels, eventIds };
      },
    });
  }
  if (resolution.nonWindows !== undefined)
    plans.push(generic(resolution.nonWindows.name, resolution.nonWindows.fieldRenames));
  return plans;
}

/**
 * Sigma fields whose absence would make the detection *more* likely to match: fields read under a
 * negation in the condition, and fields tested with `neq`, `exists: false` or `null`. If events of a
 * mapping variant never carry such a field, the rule cannot be evaluated faithfully there. A field read
 * only positively is harmless when absent: that alternative simply fails.
 */
export function fieldsReadNegatively(detection: Detection): string[] {
  const negativeSearches = new Set<string>();
  const names = [...detection.searches.keys()];
  const visit = (node: ConditionNode, negated: boolean): void => {
    switch (node.type) {
      case 'and':
      case 'or':
        for (const child of node.children) visit(child, negated);
        return;
      case 'not':
        visit(node.child, !negated);
        return;
      case 'ref':
        if (negated) negativeSearches.add(node.name);
        return;
      case 'of':
        if (negated)
          for (const name of names.filter(identifierPatternMatcher(node.pattern))) negativeSearches.add(name);
    }
  };
  for (const condition of detection.conditions) visit(condition.node, false);
  const fields = new Set<string>();
  for (const [name, search] of detection.searches) {
    const negative = negativeSearches.has(name);
    for (const group of search.alternatives) {
      for (const item of group.items) {
        const absenceMatches =
          item.modifiers.includes('neq') ||
          item.values.some(
            (value) =>
              value.kind === 'null' ||
              (item.modifiers.includes('exists') && value.kind === 'boolean' && !value.value),
          );
        if (!negative && !absenceMatches) continue;
        if (item.field !== null) fields.add(item.field);
        if (item.modifiers.includes('fieldref'))
          for (const value of item.values) if (value.kind === 'string') fields.add(value.value);
      }
    }
  }
  return [...fields];
}
