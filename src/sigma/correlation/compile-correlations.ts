/**
 * Correlation documents → `CompiledCorrelation`s. References are resolved by id or `name` across the whole
 * loaded rule set (detection rules and other correlations). A correlation that names an unknown or broken
 * rule, a bad timespan or a bad condition fails alone with a located issue; the others load.
 */
import type { Issue, Location } from '../../issues.js';
import type { CorrelationType, RuleLevel, SigmaCorrelation, SigmaDocument } from '../parse/ast.js';
import { RULE_LEVELS } from '../parse/ast.js';
import type {
  CompiledCorrelation,
  ConditionBound,
  ConditionOperator,
  CorrelationCondition,
  CorrelationPlan,
  CorrelationSource,
  Evaluation,
} from './types.js';
import { CONDITION_OPERATORS } from './types.js';
import { parseTimespan } from './timespan.js';

export interface CorrelationFailure {
  readonly path: string;
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

/** A detection rule as the compiler left it: its id, level, and whether it compiled. */
export interface BaseRuleStatus {
  readonly id: string;
  readonly level: RuleLevel;
  readonly compiled: boolean;
}

export interface CorrelationDocument {
  readonly document: SigmaCorrelation;
  readonly path: string;
  readonly id: string;
}

export interface CompiledCorrelationSet {
  /** In dependency order: each correlation after those it refers to. */
  readonly correlations: readonly CompiledCorrelation[];
  readonly issues: readonly Issue[];
  readonly failed: readonly CorrelationFailure[];
}

const TEMPORAL_TYPES: ReadonlySet<CorrelationType> = new Set(['temporal', 'temporal_ordered']);
const VALUE_TYPES: ReadonlySet<CorrelationType> = new Set([
  'value_count',
  'value_sum',
  'value_avg',
  'value_percentile',
]);

class CorrelationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly location: Location,
  ) {
    super(message);
  }
}

interface Target {
  readonly kind: 'rule' | 'correlation' | 'filter';
  readonly id: string;
  readonly title: string;
}

/**
 * @param documents every parsed document of the pack, with its path (ids are `ruleIdOf` ids)
 * @param rules the detection rules, with whether each compiled
 */
export function compileCorrelations(
  documents: readonly { readonly document: SigmaDocument; readonly path: string; readonly id: string }[],
  rules: readonly BaseRuleStatus[],
): CompiledCorrelationSet {
  const issues: Issue[] = [];
  const failed: CorrelationFailure[] = [];
  const byKey = new Map<string, Target[]>();
  const correlationDocs = new Map<string, CorrelationDocument>();
  for (const { document, path, id } of documents) {
    const target: Target = { kind: document.kind, id, title: document.title };
    const keys = new Set([document.id, document.name].filter((key): key is string => key !== undefined));
    for (const key of keys) {
      const list = byKey.get(key) ?? [];
      list.push(target);
      byKey.set(key, list);
    }
    if (document.kind === 'correlation' && !correlationDocs.has(id))
      correlationDocs.set(id, { document, path, id });
  }
  const ruleStatus = new Map<string, BaseRuleStatus>();
  for (const rule of rules) if (!ruleStatus.has(rule.id)) ruleStatus.set(rule.id, rule);

  const done = new Map<string, CompiledCorrelation | null>();
  const visiting = new Set<string>();
  const ordered: CompiledCorrelation[] = [];

  const fail = (entry: CorrelationDocument, code: string, message: string, location: Location): null => {
    failed.push({ path: entry.path, id: entry.id, code, message });
    issues.push({ code, severity: 'error', message, location, rule: entry.id });
    return null;
  };

  const compileOne = (entry: CorrelationDocument): CompiledCorrelation | null => {
    const known = done.get(entry.id);
    if (known !== undefined) return known;
    if (visiting.has(entry.id)) return null; // reported by the caller that closes the cycle
    visiting.add(entry.id);
    let result: CompiledCorrelation | null;
    try {
      result = build(entry);
    } catch (error) {
      if (!(error instanceof CorrelationError)) throw error;
      result = fail(entry, error.code, error.message, error.location);
    }
    visiting.delete(entry.id);
    done.set(entry.id, result);
    if (result !== null) ordered.push(result);
    return result;
  };

  const build = (entry: CorrelationDocument): CompiledCorrelation => {
    const doc = entry.document;
    const where = (location: Location | undefined): Location => location ?? doc.location;
    const timespan = parseTimespan(doc.timespan);
    if (!timespan.ok)
      throw new CorrelationError(timespan.code, timespan.message, where(doc.locations?.timespan));
    if (doc.rules.length === 0) {
      throw new CorrelationError(
        'missing-field',
        "a correlation needs 'rules': the ids or names of the rules it correlates",
        where(doc.locations?.rules),
      );
    }
    const seen = new Set<string>();
    const resolved: { reference: string; target: Target; level: RuleLevel }[] = [];
    doc.rules.forEach((reference, index) => {
      const at = where(doc.locations?.ruleItems[index] ?? doc.locations?.rules);
      const targets = byKey.get(reference);
      if (targets === undefined || targets.length === 0) {
        throw new CorrelationError(
          'correlation-unknown-rule',
          `correlation refers to rule '${reference}', which is not loaded (no rule has this id or name)`,
          at,
        );
      }
      const usable = targets.filter((target) => target.kind !== 'filter');
      if (usable.length === 0) {
        throw new CorrelationError(
          'correlation-unknown-rule',
          `correlation refers to '${reference}', which is a filter, not a rule`,
          at,
        );
      }
      if (usable.length > 1 && new Set(usable.map((target) => target.id)).size > 1) {
        issues.push({
          code: 'correlation-ambiguous-rule',
          severity: 'warning',
          message: `'${reference}' names ${usable.length} rules; using '${usable[0]!.title}' (${usable[0]!.id})`,
          location: at,
          rule: entry.id,
        });
      }
      const target = usable[0]!;
      if (target.id === entry.id) {
        throw new CorrelationError('correlation-cycle', `correlation refers to itself ('${reference}')`, at);
      }
      if (seen.has(target.id)) {
        throw new CorrelationError('invalid-field', `rule '${reference}' is listed twice in 'rules'`, at);
      }
      seen.add(target.id);
      let level: RuleLevel;
      if (target.kind === 'rule') {
        const status = ruleStatus.get(target.id);
        if (status === undefined || !status.compiled) {
          throw new CorrelationError(
            'correlation-rule-failed',
            `correlation refers to rule '${reference}', which failed to load (see its own error)`,
            at,
          );
        }
        level = status.level;
      } else {
        const inner = correlationDocs.get(target.id);
        if (inner === undefined) throw new Error(`correlation ${target.id} is indexed but not collected`);
        if (visiting.has(target.id)) {
          throw new CorrelationError(
            'correlation-cycle',
            `correlations refer to each other in a cycle through '${reference}'`,
            at,
          );
        }
        const compiled = compileOne(inner);
        if (compiled === null) {
          throw new CorrelationError(
            'correlation-rule-failed',
            `correlation refers to correlation '${reference}', which failed to load (see its own error)`,
            at,
          );
        }
        level = compiled.level;
      }
      resolved.push({ reference, target, level });
    });

    const type = doc.correlationType;
    const condition = compileCondition(doc, type, resolved.length, where(doc.locations?.condition));
    const aliases = compileAliases(doc, resolved, where(doc.locations?.aliases), entry.id, issues);
    const sources: CorrelationSource[] = resolved.map(({ reference, target }) => {
      const groupFields = doc.groupBy.map((name) => aliases.get(name)?.get(target.id) ?? name);
      const source: CorrelationSource = {
        reference,
        rule: target.id,
        kind: target.kind === 'correlation' ? 'correlation' : 'rule',
        groupFields,
        valueFields: condition.fields,
      };
      if (source.kind === 'correlation') {
        // A correlation's alerts carry only its group: nothing else can be read from them.
        const inner = done.get(target.id)!;
        for (const field of [...groupFields, ...condition.fields]) {
          if (!inner.groupBy.includes(field)) {
            throw new CorrelationError(
              'correlation-unknown-field',
              `field '${field}' is read from the alerts of correlation '${reference}', which carry only its group-by fields (${inner.groupBy.join(', ') || 'none'})`,
              where(doc.locations?.groupBy ?? doc.locations?.condition),
            );
          }
        }
      }
      return source;
    });
    if (TEMPORAL_TYPES.has(type) && resolved.length < 2) {
      issues.push({
        code: 'correlation-single-rule',
        severity: 'warning',
        message: `a ${type} correlation of a single rule fires on every match of that rule`,
        location: where(doc.locations?.rules),
        rule: entry.id,
      });
    }
    const level =
      doc.level ??
      resolved.reduce<RuleLevel>(
        (highest, { level: candidate }) =>
          RULE_LEVELS.indexOf(candidate) > RULE_LEVELS.indexOf(highest) ? candidate : highest,
        'informational',
      );
    return {
      id: entry.id,
      title: doc.title,
      level,
      tags: doc.tags,
      path: entry.path,
      location: doc.location,
      type,
      timespan: doc.timespan,
      timespanMs: timespan.ms,
      generate: doc.generate,
      output: true,
      groupBy: doc.groupBy,
      sources,
      condition,
      evaluation: evaluationOf(type, condition),
    };
  };

  for (const entry of correlationDocs.values()) compileOne(entry);

  // A correlation referred to by another without `generate: true` only feeds it (spec: "generate").
  const generated = new Set<string>();
  const referenced = new Set<string>();
  for (const correlation of ordered) {
    for (const source of correlation.sources) {
      referenced.add(source.rule);
      if (correlation.generate) generated.add(source.rule);
    }
  }
  const correlations = ordered.map((correlation) =>
    referenced.has(correlation.id) && !generated.has(correlation.id)
      ? { ...correlation, output: false }
      : correlation,
  );
  return { correlations, issues, failed };
}

function evaluationOf(type: CorrelationType, condition: CorrelationCondition): Evaluation {
  if (TEMPORAL_TYPES.has(type)) return 'arrival';
  if (type === 'value_avg' || type === 'value_percentile') return 'window-close';
  const growing = condition.bounds.every((bound) => bound.op === 'gt' || bound.op === 'gte');
  return growing ? 'arrival' : 'window-close';
}

function compileCondition(
  doc: SigmaCorrelation,
  type: CorrelationType,
  ruleCount: number,
  at: Location,
): CorrelationCondition {
  const raw = doc.condition;
  const bounds: ConditionBound[] = [];
  let fields: string[] = [];
  let percentile: number | undefined;
  for (const [key, value] of Object.entries(raw)) {
    if ((CONDITION_OPERATORS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new CorrelationError(
          'invalid-condition',
          `condition '${key}' must be a number (got ${JSON.stringify(value)})`,
          at,
        );
      }
      bounds.push({ op: key as ConditionOperator, value });
    } else if (key === 'field') {
      const list = Array.isArray(value) ? (value as unknown[]) : [value];
      if (
        list.length === 0 ||
        !list.every((item): item is string => typeof item === 'string' && item !== '')
      ) {
        throw new CorrelationError(
          'invalid-condition',
          "condition 'field' must be a field name or a list of field names",
          at,
        );
      }
      fields = [...new Set(list)];
    } else if (key === 'percentile') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
        throw new CorrelationError(
          'invalid-condition',
          `condition 'percentile' must be a number from 0 to 100 (got ${JSON.stringify(value)})`,
          at,
        );
      }
      percentile = value;
    } else {
      throw new CorrelationError(
        'invalid-condition',
        `unknown condition key '${key}': use gt, gte, lt, lte, eq, neq, field${type === 'value_percentile' ? ', percentile' : ''}`,
        at,
      );
    }
  }
  if (TEMPORAL_TYPES.has(type)) {
    if (bounds.length === 0) bounds.push({ op: 'gte', value: ruleCount });
    if (bounds.some((bound) => bound.op !== 'gt' && bound.op !== 'gte')) {
      throw new CorrelationError(
        'invalid-condition',
        `a ${type} condition counts the rules that matched and may only set a minimum (gt or gte)`,
        at,
      );
    }
    if (fields.length > 0) {
      throw new CorrelationError('invalid-condition', `a ${type} condition has no 'field'`, at);
    }
  } else if (bounds.length === 0) {
    throw new CorrelationError(
      'invalid-condition',
      `a ${type} correlation needs a condition such as {gte: 10}`,
      at,
    );
  }
  if (VALUE_TYPES.has(type)) {
    if (fields.length === 0) {
      throw new CorrelationError(
        'invalid-condition',
        `a ${type} correlation needs the field to aggregate: condition 'field'`,
        at,
      );
    }
    if (type !== 'value_count' && fields.length > 1) {
      throw new CorrelationError(
        'invalid-condition',
        `a ${type} correlation aggregates one numeric field (got ${fields.length})`,
        at,
      );
    }
  } else if (type === 'event_count' && fields.length > 0) {
    throw new CorrelationError(
      'invalid-condition',
      "an event_count condition has no 'field' (did you mean value_count?)",
      at,
    );
  }
  if (percentile !== undefined && type !== 'value_percentile') {
    throw new CorrelationError('invalid-condition', "'percentile' only applies to value_percentile", at);
  }
  return { bounds, fields, ...(percentile !== undefined ? { percentile } : {}) };
}

/** alias → (rule id → field). Every rule an alias names must be one the correlation refers to. */
function compileAliases(
  doc: SigmaCorrelation,
  resolved: readonly { reference: string; target: Target }[],
  at: Location,
  label: string,
  issues: Issue[],
): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  for (const [alias, mapping] of Object.entries(doc.aliases)) {
    if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
      throw new CorrelationError(
        'invalid-aliases',
        `alias '${alias}' must map rule names to field names`,
        at,
      );
    }
    const fields = new Map<string, string>();
    for (const [reference, field] of Object.entries(mapping as Record<string, unknown>)) {
      if (typeof field !== 'string' || field === '') {
        throw new CorrelationError(
          'invalid-aliases',
          `alias '${alias}': the field for rule '${reference}' must be a field name`,
          at,
        );
      }
      const target = resolved.find((entry) => entry.reference === reference || entry.target.id === reference);
      if (target === undefined) {
        throw new CorrelationError(
          'correlation-unknown-rule',
          `alias '${alias}' names rule '${reference}', which is not in this correlation's 'rules'`,
          at,
        );
      }
      fields.set(target.target.id, field);
    }
    result.set(alias, fields);
    if (doc.groupBy.includes(alias)) {
      for (const { reference, target } of resolved) {
        if (!fields.has(target.id)) {
          issues.push({
            code: 'correlation-alias-incomplete',
            severity: 'warning',
            message: `alias '${alias}' gives no field for rule '${reference}': its matches are grouped by a field named '${alias}'`,
            location: at,
            rule: label,
          });
        }
      }
    }
  }
  return result;
}

/**
 * The correlations worth running at `minLevel` (output ones at or above it, and everything they refer to,
 * whatever its level) and what each feeding detection rule must extract from its matches.
 */
export function planCorrelations(
  correlations: readonly CompiledCorrelation[],
  minLevel: RuleLevel = 'informational',
): CorrelationPlan {
  const minRank = RULE_LEVELS.indexOf(minLevel);
  const byId = new Map(correlations.map((correlation) => [correlation.id, correlation]));
  const active = new Set<string>();
  const visit = (correlation: CompiledCorrelation): void => {
    if (active.has(correlation.id)) return;
    active.add(correlation.id);
    for (const source of correlation.sources) {
      const inner = source.kind === 'correlation' ? byId.get(source.rule) : undefined;
      if (inner !== undefined) visit(inner);
    }
  };
  for (const correlation of correlations)
    if (correlation.output && RULE_LEVELS.indexOf(correlation.level) >= minRank) visit(correlation);
  // Correlations below the level run only to feed others: their own alerts are not output.
  const kept = correlations
    .filter((correlation) => active.has(correlation.id))
    .map((correlation) =>
      correlation.output && RULE_LEVELS.indexOf(correlation.level) < minRank
        ? { ...correlation, output: false }
        : correlation,
    );

  const fields = new Map<string, Set<string>>();
  const generated = new Set<string>();
  const referenced = new Set<string>();
  for (const correlation of correlations) {
    for (const source of correlation.sources) {
      if (source.kind !== 'rule') continue;
      referenced.add(source.rule);
      if (correlation.generate) generated.add(source.rule);
      if (!active.has(correlation.id)) continue;
      const set = fields.get(source.rule) ?? new Set<string>();
      for (const field of [...source.groupFields, ...source.valueFields]) set.add(field);
      fields.set(source.rule, set);
    }
  }
  const feeds = new Map<string, readonly string[]>();
  for (const [rule, set] of fields) feeds.set(rule, [...set]);
  // Rules referred to only by correlations below the level are still building blocks: not output.
  const silent = new Set([...referenced].filter((rule) => !generated.has(rule)));
  return { correlations: kept, feeds, silent };
}
