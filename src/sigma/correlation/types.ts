/**
 * Compiled Sigma correlation rules (specification v2.1.0). Plain data only: the set is built in every
 * detection thread and posted back to the main thread, where the correlation engine runs.
 */
import type { Location } from '../../issues.js';
import type { CorrelationType, RuleLevel } from '../parse/ast.js';

export type ConditionOperator = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';
export const CONDITION_OPERATORS: readonly ConditionOperator[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];

export interface ConditionBound {
  readonly op: ConditionOperator;
  readonly value: number;
}

export interface CorrelationCondition {
  /** All must hold (a range is `gt` and `lte` together). */
  readonly bounds: readonly ConditionBound[];
  /** `condition.field`: the value field(s) of value_* correlations (value_count: a tuple of them). */
  readonly fields: readonly string[];
  /** `condition.percentile` (pySigma): which percentile of the field value_percentile compares. */
  readonly percentile?: number;
}

/**
 * When a correlation is decided. `arrival`: on each contributing match, over a sliding window ending at that
 * match (counts that can only grow, and temporal proximity), so an alert comes out as soon as the condition
 * holds. `window-close`: when a window anchored at a group's first match ends (aggregates that can fall as
 * well as rise: averages, percentiles, and any condition with an upper bound).
 */
export type Evaluation = 'arrival' | 'window-close';

/** One rule a correlation refers to, with the fields it reads from that rule's matches. */
export interface CorrelationSource {
  /** The reference as written in `correlation.rules`. */
  readonly reference: string;
  /** The resolved rule id (a detection rule, or another correlation). */
  readonly rule: string;
  readonly kind: 'rule' | 'correlation';
  /** The field holding each `group-by` entry in this rule's matches (aliases resolved). */
  readonly groupFields: readonly string[];
  /** The field(s) holding the value of value_* correlations in this rule's matches. */
  readonly valueFields: readonly string[];
}

export interface CompiledCorrelation {
  readonly id: string;
  readonly title: string;
  readonly level: RuleLevel;
  readonly tags: readonly string[];
  readonly path: string;
  readonly location: Location;
  readonly type: CorrelationType;
  readonly timespan: string;
  readonly timespanMs: number;
  readonly generate: boolean;
  /** False when another correlation refers to this one without `generate: true`: its alerts only feed that one. */
  readonly output: boolean;
  readonly groupBy: readonly string[];
  readonly sources: readonly CorrelationSource[];
  readonly condition: CorrelationCondition;
  readonly evaluation: Evaluation;
}

/** The correlations a detector and an engine run, and what each feeding rule must report. */
export interface CorrelationPlan {
  /** In dependency order: a correlation comes after every correlation it refers to. */
  readonly correlations: readonly CompiledCorrelation[];
  /**
   * Detection rule id → the Sigma fields its matches must carry for the correlations, in the order of
   * `CorrelationInput.values`. Only rules that feed a correlation being run are here.
   */
  readonly feeds: ReadonlyMap<string, readonly string[]>;
  /**
   * Detection rules whose own matches are not output as alerts: correlations refer to them and none of
   * those says `generate: true`.
   */
  readonly silent: ReadonlySet<string>;
}

/** A field value as correlations see it: missing values are `null`. */
export type FieldValue = string | number | null;
