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
}

/** What compiling the rule pack gave: how many rules compiled, which failed and why. */
export interface RuleSetSummary {
  readonly compiled: number;
  readonly failed: CompiledRuleSet['failed'];
  readonly issues: readonly Issue[];
}

const MAX_ALERT_EVENT_DEPTH = 256;

/** True when `value` nests at most `limit` levels (iterative: the value may be arbitrarily deep). */
function depthWithin(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= limit) return false;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return true;
}

export class Detector {
  readonly rules: readonly CompiledRule[];
  readonly summary: RuleSetSummary;
  readonly index: RuleIndex;
  private regexSkipped = 0;
  private readonly matched: CompiledVariant[] = [];

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
    this.summary = { compiled: compiled.rules.length, failed: compiled.failed, issues: compiled.issues };
    this.rules = compiled.rules.filter((rule) => RULE_LEVELS.indexOf(rule.level) >= minRank);
    this.index = new RuleIndex(this.rules);
  }

  /** Matches one parsed event; returns the matching rules in rule order. */
  matchEvent(event: Record<string, unknown>): CompiledRule[] {
    this.matched.length = 0;
    this.index.match(new EventView(event), this.matched);
    return this.matched.map((variant) => variant.rule);
  }

  processBatch(batch: RecordBatch): BatchResult {
    const alerts: Alert[] = [];
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
      event(event, line, record, offset) {
        events++;
        const view = new EventView(event);
        matched.length = 0;
        index.match(view, matched);
        if (matched.length === 0) return;
        const origin: EventOrigin = {
          path: batch.path,
          format: batch.format,
          ...(line > 0 ? { line } : {}),
          record,
          offset,
        };
        const timestamp = view.timestamp() ?? '';
        // Alerts are cloned between threads and serialised, both recursive: a hostile event nested
        // thousands deep would crash them, so such an event is replaced by a marker (the rest is in the log).
        const alertEvent = depthWithin(event, MAX_ALERT_EVENT_DEPTH)
          ? event
          : {
              _ballotguard: `event nested deeper than ${MAX_ALERT_EVENT_DEPTH} levels; see the source position`,
            };
        for (const variant of matched) {
          const rule = variant.rule;
          alerts.push({
            timestamp,
            rule: { id: rule.id, title: rule.title, level: rule.level, tags: rule.tags, path: rule.path },
            source: origin,
            event: alertEvent,
          });
        }
      },
    });
    return { alerts, events, skipped, issues, regexSkipped: this.regexSkipped };
  }
}
