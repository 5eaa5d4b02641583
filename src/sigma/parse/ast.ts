/**
 * The typed, immutable Sigma AST (specification v2.1.0). Produced by `parseRuleFile`, never mutated:
 * mapping and compilation build new values from it.
 */
import type { Location } from '../../issues.js';

export type RuleLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export const RULE_LEVELS: readonly RuleLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];

export interface LogSource {
  readonly category?: string;
  readonly product?: string;
  readonly service?: string;
  readonly definition?: string;
  /** Any other keys the rule set under `logsource`, kept as written. */
  readonly custom: Readonly<Record<string, string>>;
}

/** A scalar value from a detection, typed as YAML gave it. Strings keep their raw text (wildcards intact). */
export type SigmaValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number; readonly raw: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

export const MODIFIER_NAMES = [
  'contains',
  'startswith',
  'endswith',
  'all',
  'exists',
  'cased',
  'neq',
  'windash',
  're',
  'i',
  'm',
  's',
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'lt',
  'lte',
  'gt',
  'gte',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
  'cidr',
  'expand',
  'fieldref',
] as const;
export type ModifierName = (typeof MODIFIER_NAMES)[number];

/** One `field|mod1|mod2: values` item. `field` is null for keyword searches. */
export interface FieldMatch {
  readonly field: string | null;
  readonly modifiers: readonly ModifierName[];
  readonly values: readonly SigmaValue[];
  readonly location: Location;
}

/** All items must hold (a YAML map). */
export interface MatchGroup {
  readonly items: readonly FieldMatch[];
  readonly location: Location;
}

/**
 * A search identifier: any one of `alternatives` must hold (a list of maps or keywords); a plain map is a
 * single alternative.
 */
export interface SearchIdentifier {
  readonly name: string;
  readonly alternatives: readonly MatchGroup[];
  readonly location: Location;
}

export type ConditionNode =
  | { readonly type: 'or'; readonly children: readonly ConditionNode[] }
  | { readonly type: 'and'; readonly children: readonly ConditionNode[] }
  | { readonly type: 'not'; readonly child: ConditionNode }
  | { readonly type: 'ref'; readonly name: string }
  | { readonly type: 'of'; readonly quantifier: 'all' | 'any'; readonly pattern: string };

export interface Detection {
  readonly searches: ReadonlyMap<string, SearchIdentifier>;
  /** Condition lists are ORed; each keeps its source text. */
  readonly conditions: readonly { readonly text: string; readonly node: ConditionNode }[];
  readonly location: Location;
}

export interface RelatedRule {
  readonly id: string;
  readonly type: string;
}

interface DocumentBase {
  readonly id?: string;
  readonly name?: string;
  readonly title: string;
  readonly description?: string;
  readonly status?: string;
  readonly author?: string;
  readonly date?: string;
  readonly modified?: string;
  readonly references: readonly string[];
  readonly tags: readonly string[];
  readonly license?: string;
  readonly taxonomy?: string;
  readonly related: readonly RelatedRule[];
  /** Keys not defined by the specification, kept as plain data. */
  readonly custom: Readonly<Record<string, unknown>>;
  readonly location: Location;
}

export interface SigmaRule extends DocumentBase {
  readonly kind: 'rule';
  readonly level?: RuleLevel;
  readonly logsource: LogSource;
  readonly detection: Detection;
  readonly falsepositives: readonly string[];
  readonly fields: readonly string[];
  readonly scope: readonly string[];
}

export interface SigmaFilter extends DocumentBase {
  readonly kind: 'filter';
  readonly logsource: LogSource;
  /** Ids or names of the rules the filter applies to. */
  readonly rules: readonly string[];
  readonly detection: Detection;
}

export type CorrelationType =
  | 'event_count'
  | 'value_count'
  | 'temporal'
  | 'temporal_ordered'
  | 'value_sum'
  | 'value_avg'
  | 'value_percentile';

/** Where the parts of a correlation section were written, for located errors. */
export interface CorrelationLocations {
  readonly rules?: Location;
  /** One per `rules` entry, in order. */
  readonly ruleItems: readonly Location[];
  readonly groupBy?: Location;
  readonly timespan?: Location;
  readonly condition?: Location;
  readonly aliases?: Location;
}

export interface SigmaCorrelation extends DocumentBase {
  readonly kind: 'correlation';
  readonly level?: RuleLevel;
  readonly correlationType: CorrelationType;
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  readonly timespan: string;
  readonly generate: boolean;
  readonly aliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly condition: Readonly<Record<string, unknown>>;
  /** Absent in documents parsed by older versions. */
  readonly locations?: CorrelationLocations;
}

export type SigmaDocument = SigmaRule | SigmaFilter | SigmaCorrelation;
