/**
 * The detection stage for one thread: compiled rules + rule index, applied to record batches. Pure with
 * respect to storage: it returns alerts and counts; the caller decides where they go.
 */
import { EventView } from '../events/field-resolver.js';
import type { Alert, EventOrigin } from '../events/event.js';
import type { Issue } from '../issues.js';
import type { MappingPipeline } from '../mapping/mapping.js';
import type {
  CompiledRule,
  CompiledRuleSet,
  CompiledVariant,
  RuleSource,
} from '../sigma/compile/compile-rules.js';
import { compileRules } from '../sigma/compile/compile-rules.js';
import { RuleIndex } from '../sigma/index/rule-index.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import { RULE_LEVELS } from '../sigma/parse/ast.js';
import { decodeBatch } from '../sources/decode-batch.js';
import type { RecordBatch } from '../sources/types.js';
import type { CorrelationInput } from '../correlate/types.js';
import { planCorrelations } from '../sigma/correlation/compile-correlations.js';
import type { CorrelationPlan, FieldValue } from '../sigma/correlation/types.js';

/** Everything a detector needs, as plain data so it can be posted to worker threads. */
export interface DetectorConfig {
  readonly sources: readonly RuleSource[];
  readonly mapping: MappingPipeline;
  readonly placeholders: readonly (readonly [string, readonly string[]])[];
  readonly minLevel: RuleLevel;
  /** Keep rule ASTs after compiling (default true); worker threads set false to save memory. */
  readonly retainDocuments?: boolean;
}

export interface BatchResult {
  readonly alerts: Alert[];
  readonly events: number;
  /** Records that could not be read (bad JSON, not an object...). */
  readonly skipped: number;
  readonly issues: Issue[];
  /** Regex evaluations skipped because the value was too long to evaluate safely. */
  readonly regexSkipped: number;
  /** Matches of rules that correlations refer to (whether or not they are also alerts), in input order. */
  readonly correlationInputs: CorrelationInput[];
}

/** What compiling the rule pack gave: how many rules compiled, which failed and why. */
export interface RuleSetSummary {
  /** Rules and correlation rules that compiled. */
  readonly compiled: number;
  readonly failed: CompiledRuleSet['failed'];
  readonly issues: readonly Issue[];
  /** The correlations to run at the chosen level, for the engine on the main thread. */
  readonly correlation: CorrelationPlan;
}

const MAX_ALERT_EVENT_DEPTH = 256;
/** Correlation field values longer than this are cut: they are group keys, not evidence. */
const MAX_CORRELATION_VALUE_CHARS = 1024;

/** A field value as correlations compare it: scalars as they are, anything else as (bounded) JSON. */
function correlationValue(value: unknown): FieldValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else if (!depthWithin(value, 32)) text = '[nested too deep]';
  else text = JSON.stringify(value) ?? '';
  return text.length > MAX_CORRELATION_VALUE_CHARS ? text.slice(0, MAX_CORRELATION_VALUE_CHARS) : text;
}

/**
 * True when `value` nests at most `limit` levels. The value may be arbitrarily deep, but the recursion
 * stops at `limit` levels, so it cannot overflow the stack. It runs for every event with an alert.
 */
function depthWithin(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (limit <= 0) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (typeof child === 'object' && child !== null && !depthWithin(child, limit - 1)) return false;
    }
    return true;
  }
  // `for…in` with an own-property check visits what `Object.values` would, without allocating.
  for (const key in value) {
    const child: unknown = (value as Record<string, unknown>)[key];
    if (
      typeof child === 'object' &&
      child !== null &&
      Object.prototype.hasOwnProperty.call(value, key) &&
      !depthWithin(child, limit - 1)
    )
      return false;
  }
  return true;
}

export class Detector {
  readonly rules: readonly CompiledRule[];
  readonly summary: RuleSetSummary;
  readonly index: RuleIndex;
  private regexSkipped = 0;
  private readonly matched: CompiledVariant[] = [];
  /** By rule index: whether the rule's matches are output as alerts. */
  private readonly alerting: boolean[] = [];
  /** By rule index: the fields correlations read from the rule's matches, when it feeds any. */
  private readonly feeds: (readonly string[] | undefined)[] = [];

  constructor(config: DetectorConfig) {
    const minRank = RULE_LEVELS.indexOf(config.minLevel);
    const compiled = compileRules(config.sources, {
      mapping: config.mapping,
      placeholders: new Map(config.placeholders),
      ...(config.retainDocuments === false ? { retainDocuments: false } : {}),
      onRegexSkipped: () => {
        this.regexSkipped++;
      },
    });
    const plan = planCorrelations(compiled.correlations, config.minLevel);
    this.summary = {
      compiled: compiled.rules.length + compiled.correlations.length,
      failed: compiled.failed,
      issues: compiled.issues,
      correlation: plan,
    };
    // Rules a correlation reads run whatever their own level: the correlation has its own.
    this.rules = compiled.rules.filter(
      (rule) => RULE_LEVELS.indexOf(rule.level) >= minRank || plan.feeds.has(rule.id),
    );
    for (const rule of this.rules) {
      this.alerting[rule.index] = RULE_LEVELS.indexOf(rule.level) >= minRank && !plan.silent.has(rule.id);
      this.feeds[rule.index] = plan.feeds.get(rule.id);
    }
    this.index = new RuleIndex(this.rules);
  }

  /**
   * Matches one parsed event; returns the matching rules in rule order. `eventClass` is the text log class
   * a source would give the event (`w3c`, `syslog`, …); leave it out for JSON and EVTX events.
   */
  matchEvent(event: Record<string, unknown>, eventClass?: string): CompiledRule[] {
    this.matched.length = 0;
    this.index.match(new EventView(event), this.matched, eventClass);
    return this.matched.map((variant) => variant.rule);
  }

  /**
   * One parsed event through the rules, as `processBatch` does it: the alerts it raises and the matches it
   * gives correlations (for `rules test`, and callers holding events rather than bytes).
   */
  detectEvent(
    event: Record<string, unknown>,
    origin: EventOrigin,
    eventClass?: string,
  ): { alerts: Alert[]; correlationInputs: CorrelationInput[] } {
    const alerts: Alert[] = [];
    const correlationInputs: CorrelationInput[] = [];
    const view = new EventView(event);
    this.matched.length = 0;
    this.index.match(view, this.matched, eventClass);
    if (this.matched.length > 0) this.collect(view, event, origin, alerts, correlationInputs);
    return { alerts, correlationInputs };
  }

  processBatch(batch: RecordBatch): BatchResult {
    const alerts: Alert[] = [];
    const correlationInputs: CorrelationInput[] = [];
    const issues: Issue[] = [];
    let events = 0;
    let skipped = 0;
    this.regexSkipped = 0;
    const matched = this.matched;
    const index = this.index;
    decodeBatch(batch, {
      skipped(issue) {
        skipped++;
        issues.push(issue);
      },
      warning(issue) {
        issues.push(issue);
      },
      event: (event, line, record, offset, eventClass) => {
        events++;
        const view = new EventView(event);
        matched.length = 0;
        index.match(view, matched, eventClass);
        if (matched.length === 0) return;
        const origin: EventOrigin = {
          path: batch.path,
          format: batch.format,
          ...(line > 0 ? { line } : {}),
          record,
          offset,
        };
        this.collect(view, event, origin, alerts, correlationInputs);
      },
    });
    return { alerts, events, skipped, issues, regexSkipped: this.regexSkipped, correlationInputs };
  }

  /** Turns the matches in `this.matched` into alerts and correlation inputs. */
  private collect(
    view: EventView,
    event: Record<string, unknown>,
    origin: EventOrigin,
    alerts: Alert[],
    correlationInputs: CorrelationInput[],
  ): void {
    const timestamp = view.timestamp() ?? '';
    let alertEvent: unknown;
    let timeMs: number | null | undefined;
    for (const variant of this.matched) {
      const rule = variant.rule;
      if (this.alerting[rule.index] === true) {
        // Alerts are cloned between threads and serialised, both recursive: a hostile event nested
        // thousands deep would crash them, so such an event is replaced by a marker (the rest is in the log).
        alertEvent ??= depthWithin(event, MAX_ALERT_EVENT_DEPTH)
          ? event
          : {
              _ballotguard: `event nested deeper than ${MAX_ALERT_EVENT_DEPTH} levels; see the source position`,
            };
        alerts.push({
          timestamp,
          rule: { id: rule.id, title: rule.title, level: rule.level, tags: rule.tags, path: rule.path },
          source: origin,
          event: alertEvent,
        });
      }
      const fields = this.feeds[rule.index];
      if (fields !== undefined) {
        if (timeMs === undefined) {
          const parsed = timestamp === '' ? NaN : Date.parse(timestamp);
          timeMs = Number.isFinite(parsed) ? parsed : null;
        }
        const renames = variant.renames;
        correlationInputs.push({
          rule: rule.id,
          timeMs,
          timestamp,
          values: fields.map((field) => correlationValue(view.get(renames.get(field) ?? field))),
          source: origin,
        });
      }
    }
  }
}
