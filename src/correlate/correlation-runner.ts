/**
 * Runs the correlation engine over the matches a hunt or a stream produces, and accounts for everything it
 * leaves out. Two orderings:
 *
 * - `sorted` (hunt over files): matches are collected as files are read, then sorted by event time at the
 *   end and correlated, so files whose events interleave in time give the same result as one merged file.
 *   Only the small match records are kept (not events), up to `maxBuffered`; past that the run carries on
 *   as `stream` with a warning.
 * - `stream` (live input): a reorder buffer of `reorderWindowMs` event time puts slightly unordered matches
 *   back in order; matches older than that are counted late and left out.
 *
 * Matches without a timestamp are counted and left out in both.
 */
import type { Alert } from '../events/event.js';
import type { Issue, Location } from '../issues.js';
import type { CorrelationPlan } from '../sigma/correlation/types.js';
import { formatDuration } from '../sigma/correlation/timespan.js';
import type { EngineLimits } from './correlation-engine.js';
import { CorrelationEngine } from './correlation-engine.js';
import { ReorderBuffer } from './reorder-buffer.js';
import type { CorrelationInput } from './types.js';

export type CorrelationOrdering = 'sorted' | 'stream';

export const DEFAULT_REORDER_WINDOW_MS = 5 * 60_000;
export const DEFAULT_MAX_BUFFERED = 2_000_000;
/** Rough size of one waiting match record, for the memory figure. */
const INPUT_BYTES = 200;

export interface CorrelationRunnerOptions {
  readonly plan: CorrelationPlan;
  readonly onAlert: (alert: Alert) => void;
  readonly onIssue: (issue: Issue) => void;
  readonly ordering: CorrelationOrdering;
  readonly reorderWindowMs?: number;
  /** Matches held at once for sorting or reordering. */
  readonly maxBuffered?: number;
  readonly limits?: Partial<EngineLimits>;
}

/** Correlation figures for `--stats-json` (`correlation`). */
export interface CorrelationStats {
  readonly correlations: number;
  /** Matches of correlated rules received. */
  readonly inputs: number;
  /** Of those, without a timestamp: left out. */
  readonly untimed: number;
  /** Of those, too far out of time order: left out. */
  readonly late: number;
  readonly alerts: number;
  readonly ordering: CorrelationOrdering;
  readonly reorderWindowMs: number;
  /** Most matches held at once for sorting or reordering. */
  readonly peakBuffered: number;
  readonly peakBufferBytes: number;
  readonly groups: number;
  readonly peakGroups: number;
  readonly peakStateEntries: number;
  readonly peakStateBytes: number;
  readonly evictions: number;
}

export class CorrelationRunner {
  private readonly engine: CorrelationEngine;
  private ordering: CorrelationOrdering;
  private readonly reorderWindowMs: number;
  private readonly maxBuffered: number;
  private sorted: CorrelationInput[] | undefined;
  private reorder: ReorderBuffer<CorrelationInput> | undefined;
  private inputs = 0;
  private untimed = 0;
  private firstUntimed: CorrelationInput | undefined;
  private peakBuffered = 0;
  private finished = false;

  constructor(private readonly options: CorrelationRunnerOptions) {
    this.engine = new CorrelationEngine(options.plan, {
      onAlert: options.onAlert,
      ...(options.limits ? { limits: options.limits } : {}),
    });
    this.ordering = options.ordering;
    this.reorderWindowMs = options.reorderWindowMs ?? DEFAULT_REORDER_WINDOW_MS;
    this.maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    if (this.ordering === 'sorted') this.sorted = [];
    else this.reorder = this.createReorder();
  }

  get active(): boolean {
    return this.options.plan.correlations.length > 0;
  }

  add(input: CorrelationInput): void {
    this.inputs++;
    if (input.timeMs === null || !Number.isFinite(input.timeMs)) {
      this.untimed++;
      this.firstUntimed ??= input;
      return;
    }
    if (this.sorted !== undefined) {
      this.sorted.push(input);
      if (this.sorted.length > this.peakBuffered) this.peakBuffered = this.sorted.length;
      if (this.sorted.length > this.maxBuffered) this.switchToStream();
      return;
    }
    this.reorder!.push(input);
    if (this.reorder!.peak > this.peakBuffered) this.peakBuffered = this.reorder!.peak;
  }

  /** A quiet stream: event time has reached `timeMs` (e.g. wall-clock time) without input. */
  advance(timeMs: number): void {
    this.reorder?.advance(timeMs);
  }

  /** End of input: correlates what is left, decides open windows and reports what was left out. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.sorted !== undefined) {
      const inputs = this.sorted;
      this.sorted = undefined;
      // Array sort is stable: matches with the same time keep their reading order.
      inputs.sort((a, b) => a.timeMs! - b.timeMs!);
      for (const input of inputs) this.engine.push(input);
    } else this.reorder!.drain();
    this.engine.flush();
    this.reportLeftOut();
  }

  stats(): CorrelationStats {
    const engine = this.engine.stats;
    return {
      correlations: this.options.plan.correlations.length,
      inputs: this.inputs,
      untimed: this.untimed,
      late: (this.reorder?.late ?? 0) + engine.late,
      alerts: engine.alerts,
      ordering: this.ordering,
      reorderWindowMs: this.reorderWindowMs,
      peakBuffered: this.peakBuffered,
      peakBufferBytes: this.peakBuffered * INPUT_BYTES,
      groups: engine.groups,
      peakGroups: engine.peakGroups,
      peakStateEntries: engine.peakStateEntries,
      peakStateBytes: engine.peakApproxStateBytes,
      evictions: engine.evictions,
    };
  }

  private createReorder(): ReorderBuffer<CorrelationInput> {
    return new ReorderBuffer<CorrelationInput>(
      this.reorderWindowMs,
      this.maxBuffered,
      (input) => this.engine.push(input),
      (watermark) => this.engine.advance(watermark),
    );
  }

  private switchToStream(): void {
    const inputs = this.sorted!;
    this.sorted = undefined;
    this.ordering = 'stream';
    this.options.onIssue({
      code: 'correlation-buffer-full',
      severity: 'warning',
      message:
        `more than ${this.maxBuffered} matches of correlated rules: the rest of the input is correlated in ` +
        `reading order with a ${formatDuration(this.reorderWindowMs)} reorder window; matches further out of ` +
        'time order are counted late (raise --correlation-buffer, or hunt fewer files at once)',
      location: { file: inputs[inputs.length - 1]!.source.path },
    });
    inputs.sort((a, b) => a.timeMs! - b.timeMs!);
    this.reorder = this.createReorder();
    for (const input of inputs) this.reorder.push(input);
  }

  private reportLeftOut(): void {
    const report = this.options.onIssue;
    const at = (input: CorrelationInput): Location => {
      const source = input.source;
      return {
        file: source.path,
        ...(source.line !== undefined ? { line: source.line } : {}),
        ...(source.record !== undefined ? { record: source.record } : {}),
        ...(source.offset !== undefined ? { offset: source.offset } : {}),
      };
    };
    if (this.untimed > 0 && this.firstUntimed !== undefined) {
      report({
        code: 'correlation-no-timestamp',
        severity: 'warning',
        message: `${this.untimed} match(es) of correlated rules have no timestamp and were left out of correlations (this is the first)`,
        location: at(this.firstUntimed),
        rule: this.firstUntimed.rule,
      });
    }
    const late = (this.reorder?.late ?? 0) + this.engine.stats.late;
    if (late > 0) {
      const first = this.reorder?.firstLate;
      report({
        code: 'correlation-late',
        severity: 'warning',
        message: `${late} match(es) of correlated rules came more than the ${formatDuration(this.reorderWindowMs)} reorder window out of time order (a clock running backwards?) and were left out${first ? ' (this is the first)' : ''}`,
        location: first ? at(first) : { file: '(correlation)' },
        ...(first ? { rule: first.rule } : {}),
      });
    }
    if (this.engine.stats.evictions > 0) {
      report({
        code: 'correlation-state-evicted',
        severity: 'warning',
        message: `correlation state reached its limit: ${this.engine.stats.evictions} group(s) were dropped before their window ended, so correlations may be missed (raise --correlation-max-groups)`,
        location: { file: '(correlation)' },
      });
    }
    for (const counters of this.engine.counters()) {
      const correlation = this.options.plan.correlations.find((entry) => entry.id === counters.id);
      const location = correlation?.location ?? { file: '(correlation)' };
      for (const [field, count] of counters.missingGroupField) {
        report({
          code: 'correlation-missing-field',
          severity: 'warning',
          message: `${count} match(es) have no group-by field '${field}' and were left out of correlation '${counters.title}'`,
          location,
          rule: counters.id,
        });
      }
      if (counters.missingValue > 0) {
        report({
          code: 'correlation-missing-field',
          severity: 'warning',
          message: `${counters.missingValue} match(es) have no value field '${correlation?.condition.fields.join(', ') ?? ''}' and were left out of correlation '${counters.title}'`,
          location,
          rule: counters.id,
        });
      }
      if (counters.nonNumeric > 0) {
        report({
          code: 'correlation-not-a-number',
          severity: 'warning',
          message: `${counters.nonNumeric} match(es) have a value field '${correlation?.condition.fields.join(', ') ?? ''}' that is not a number and were left out of correlation '${counters.title}'`,
          location,
          rule: counters.id,
        });
      }
    }
  }
}
