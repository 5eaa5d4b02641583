/**
 * The correlation engine: a push-based, event-time state machine. Feed it matches of the rules correlations
 * refer to, in time order (`push`), tell it how far time has got when nothing arrives (`advance`), and
 * `flush` at the end; it emits correlation alerts as their conditions hold.
 *
 * State is per (correlation, group-by values) group, bounded two ways: a maximum number of groups and a
 * maximum number of entries (remembered matches or values) over all groups. Past either, the least recently
 * used groups are evicted, and every eviction is counted. Windows expire with event time: a group whose
 * window has passed the watermark is closed (window-close correlations are decided then) and freed.
 *
 * Alerts of correlations that other correlations refer to feed those at the time they are decided, so
 * chains of correlations work within one engine.
 *
 * @example
 *   const engine = new CorrelationEngine(plan, { onAlert: (alert) => out.push(alert) });
 *   for (const input of sortedInputs) engine.push(input);
 *   engine.flush();
 */
import type { Alert } from '../events/event.js';
import type { CompiledCorrelation, CorrelationPlan, FieldValue } from '../sigma/correlation/types.js';
import type { Aggregator, Measure } from './aggregators.js';
import { createAggregator } from './aggregators.js';
import { MinHeap } from './min-heap.js';
import type { CorrelationInput, MatchRef } from './types.js';

export interface EngineLimits {
  /** Groups held at once over all correlations (LRU eviction beyond). */
  readonly maxGroups: number;
  /** Entries (remembered matches or values) held at once over all groups (LRU eviction beyond). */
  readonly maxStateEntries: number;
  /** Contributing matches listed in one alert (the first and the last half). */
  readonly maxRefs: number;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = {
  maxGroups: 100_000,
  maxStateEntries: 1_000_000,
  maxRefs: 20,
};

/** Rough sizes for the memory figure: a group with its maps and ref sample, and one remembered entry. */
const GROUP_BYTES = 512;
const ENTRY_BYTES = 96;

export interface CorrelationCounters {
  readonly id: string;
  readonly title: string;
  /** Alerts the correlation raised (output or fed to another correlation). */
  alerts: number;
  /** Matches left out because they lack a group-by field: field → count. */
  readonly missingGroupField: Map<string, number>;
  /** Matches left out because they lack the value field. */
  missingValue: number;
  /** Matches left out because the value field is not a number (value_sum, value_avg, value_percentile). */
  nonNumeric: number;
}

export interface EngineStats {
  /** Matches pushed. */
  inputs: number;
  /** Matches pushed behind the watermark (time went backwards): left out. */
  late: number;
  /** Output correlation alerts. */
  alerts: number;
  groups: number;
  peakGroups: number;
  stateEntries: number;
  peakStateEntries: number;
  /** Estimated bytes of correlation state (groups and entries), now and at the peak. */
  approxStateBytes: number;
  peakApproxStateBytes: number;
  /** Groups evicted by the limits before their window ended. */
  evictions: number;
  /** Event time reached, ms since the epoch (-Infinity before any input). */
  watermark: number;
}

export interface EngineOptions {
  readonly onAlert: (alert: Alert) => void;
  readonly limits?: Partial<EngineLimits>;
}

interface Context {
  readonly correlation: CompiledCorrelation;
  readonly counters: CorrelationCounters;
  /** Correlations fed by this one's alerts, with the position of this one in their sources. */
  readonly dependents: Route[];
}

interface Route {
  readonly context: Context;
  readonly sourceIndex: number;
  /** Index of each group-by field in the input's values (-1: the rule never carries it). */
  readonly groupIndexes: readonly number[];
  readonly valueIndexes: readonly number[];
}

interface Group {
  readonly key: string;
  readonly context: Context;
  readonly values: readonly string[];
  readonly aggregator: Aggregator;
  readonly start: number;
  last: number;
  firstTimestamp: string;
  lastTimestamp: string;
  lastRef: MatchRef;
  entries: number;
  /** The deadline this group is queued under; the group is closed or re-queued when it passes. */
  deadline: number;
  dead: boolean;
  /** Neighbours in the least-recently-used list. */
  older: Group | undefined;
  newer: Group | undefined;
}

const FIGURE_FORMAT = (value: number): number => (Number.isInteger(value) ? value : Number(value.toFixed(6)));

export class CorrelationEngine {
  private readonly limits: EngineLimits;
  private readonly contexts: Context[];
  /** Rule id → the correlations its matches feed. */
  private readonly routes = new Map<string, Route[]>();
  private readonly groups = new Map<string, Group>();
  /**
   * Groups from least to most recently used, as a linked list: evicting from the front of a Map after
   * many deletions walks over the deleted slots, which made eviction quadratic.
   */
  private oldest: Group | undefined;
  private newest: Group | undefined;
  private readonly deadlines = new MinHeap<Group>();
  private readonly onAlert: (alert: Alert) => void;
  private entries = 0;
  readonly stats: EngineStats = {
    inputs: 0,
    late: 0,
    alerts: 0,
    groups: 0,
    peakGroups: 0,
    stateEntries: 0,
    peakStateEntries: 0,
    approxStateBytes: 0,
    peakApproxStateBytes: 0,
    evictions: 0,
    watermark: -Infinity,
  };

  constructor(plan: CorrelationPlan, options: EngineOptions) {
    this.limits = { ...DEFAULT_ENGINE_LIMITS, ...options.limits };
    this.onAlert = options.onAlert;
    const byId = new Map<string, Context>();
    this.contexts = plan.correlations.map((correlation) => {
      const context: Context = {
        correlation,
        counters: {
          id: correlation.id,
          title: correlation.title,
          alerts: 0,
          missingGroupField: new Map(),
          missingValue: 0,
          nonNumeric: 0,
        },
        dependents: [],
      };
      byId.set(correlation.id, context);
      return context;
    });
    for (const context of this.contexts) {
      context.correlation.sources.forEach((source, sourceIndex) => {
        const fields =
          source.kind === 'correlation'
            ? (byId.get(source.rule)?.correlation.groupBy ?? [])
            : (plan.feeds.get(source.rule) ?? []);
        const route: Route = {
          context,
          sourceIndex,
          groupIndexes: source.groupFields.map((field) => fields.indexOf(field)),
          valueIndexes: source.valueFields.map((field) => fields.indexOf(field)),
        };
        if (source.kind === 'correlation') byId.get(source.rule)?.dependents.push(route);
        else {
          const list = this.routes.get(source.rule) ?? [];
          list.push(route);
          this.routes.set(source.rule, list);
        }
      });
    }
  }

  /** Per-correlation counters, in dependency order. */
  counters(): readonly CorrelationCounters[] {
    return this.contexts.map((context) => context.counters);
  }

  /**
   * One match, not earlier than any before it (else it is counted late and left out). Inputs without a
   * time must be filtered out by the caller.
   */
  push(input: CorrelationInput): void {
    const time = input.timeMs;
    if (time === null || !Number.isFinite(time)) throw new Error('correlation input without a time');
    this.stats.inputs++;
    if (time < this.stats.watermark) {
      this.stats.late++;
      return;
    }
    this.advance(time);
    const routes = this.routes.get(input.rule);
    if (routes === undefined) return;
    const ref: MatchRef = { rule: input.rule, timestamp: input.timestamp, source: input.source };
    for (const route of routes) this.apply(route, time, input.timestamp, input.values, ref);
  }

  /**
   * Event time has reached `watermark` (no later input will be earlier): windows that ended before it are
   * closed, deciding window-close correlations.
   */
  advance(watermark: number): void {
    if (watermark <= this.stats.watermark) return;
    this.stats.watermark = watermark;
    for (;;) {
      const next = this.deadlines.peekKey();
      if (next === undefined || next >= watermark) break;
      const { key, item: group } = this.deadlines.pop()!;
      if (group.dead || group.deadline !== key) continue;
      this.expireGroup(group, watermark);
    }
    this.updateSizes();
  }

  /** End of input: decides every open window-close group and drops all state. */
  flush(): void {
    for (;;) {
      const popped = this.deadlines.pop();
      if (popped === undefined) break;
      const group = popped.item;
      if (group.dead || group.deadline !== popped.key) continue;
      if (group.context.correlation.evaluation === 'window-close') this.decide(group, popped.key);
      this.removeGroup(group);
    }
    for (const group of [...this.groups.values()]) this.removeGroup(group);
    this.updateSizes();
  }

  private expireGroup(group: Group, watermark: number): void {
    const correlation = group.context.correlation;
    if (correlation.evaluation === 'window-close') {
      this.decide(group, group.deadline);
      this.removeGroup(group);
      return;
    }
    // Sliding windows: the group is empty once its latest match has left the window.
    if (group.last + correlation.timespanMs < watermark) {
      this.removeGroup(group);
      return;
    }
    this.setEntries(group, () => group.aggregator.expire(watermark - correlation.timespanMs));
    group.deadline = group.last + correlation.timespanMs;
    this.deadlines.push(group.deadline, group);
  }

  private apply(
    route: Route,
    time: number,
    timestamp: string,
    values: readonly FieldValue[],
    ref: MatchRef,
  ): void {
    const { context } = route;
    const correlation = context.correlation;
    const groupValues: string[] = [];
    for (let i = 0; i < route.groupIndexes.length; i++) {
      const index = route.groupIndexes[i]!;
      const value = index < 0 ? null : (values[index] ?? null);
      if (value === null) {
        const field = correlation.sources[route.sourceIndex]!.groupFields[i]!;
        const missing = context.counters.missingGroupField;
        missing.set(field, (missing.get(field) ?? 0) + 1);
        return;
      }
      groupValues.push(String(value));
    }
    const value = this.valueOf(route, values);
    if (value === null) return;

    const key = JSON.stringify([correlation.id, ...groupValues]);
    let group = this.groups.get(key);
    if (group === undefined) {
      group = {
        key,
        context,
        values: groupValues,
        aggregator: createAggregator(correlation, this.limits.maxRefs),
        start: time,
        last: time,
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        lastRef: ref,
        entries: 0,
        deadline: time + correlation.timespanMs,
        dead: false,
        older: undefined,
        newer: undefined,
      };
      this.groups.set(key, group);
      this.linkNewest(group);
      this.deadlines.push(group.deadline, group);
    } else if (this.newest !== group) {
      this.unlink(group);
      this.linkNewest(group);
    }
    group.last = time;
    group.lastTimestamp = timestamp;
    group.lastRef = ref;
    const current = group;
    this.setEntries(current, () => {
      if (correlation.evaluation === 'arrival') current.aggregator.expire(time - correlation.timespanMs);
      current.aggregator.add(time, route.sourceIndex, value, ref);
    });
    if (correlation.evaluation === 'arrival') {
      // Decided on arrival; the group starts afresh after an alert so one burst gives one alert.
      if (this.decide(current, time)) this.removeGroup(current);
    }
    this.enforceLimits(current);
    this.updateSizes();
  }

  /** The value a value_* correlation aggregates; undefined for others; null when the match is left out. */
  private valueOf(route: Route, values: readonly FieldValue[]): number | string | undefined | null {
    const { context } = route;
    const type = context.correlation.type;
    if (route.valueIndexes.length === 0) return undefined;
    const parts: FieldValue[] = route.valueIndexes.map((index) =>
      index < 0 ? null : (values[index] ?? null),
    );
    if (parts.some((part) => part === null)) {
      context.counters.missingValue++;
      return null;
    }
    const numeric =
      type === 'value_sum' ||
      type === 'value_avg' ||
      (type === 'value_percentile' && context.correlation.condition.percentile !== undefined);
    if (!numeric) return parts.length === 1 ? String(parts[0]) : JSON.stringify(parts.map(String));
    const part = parts[0]!;
    const number = typeof part === 'number' ? part : part.trim() === '' ? NaN : Number(part);
    if (!Number.isFinite(number)) {
      context.counters.nonNumeric++;
      return null;
    }
    return number;
  }

  /** Evaluates a group; emits (and feeds dependents) when the condition holds. */
  private decide(group: Group, decidedAt: number): boolean {
    const measure = group.aggregator.evaluate();
    if (measure === undefined) return false;
    this.emit(group, measure, decidedAt);
    return true;
  }

  private emit(group: Group, measure: Measure, decidedAt: number): void {
    const { context } = group;
    const correlation = context.correlation;
    context.counters.alerts++;
    const groupObject = Object.fromEntries(correlation.groupBy.map((name, i) => [name, group.values[i]]));
    const rules = [...new Set(measure.refs.map((ref) => ref.rule))];
    const alert: Alert = {
      timestamp: group.lastTimestamp,
      rule: {
        id: correlation.id,
        title: correlation.title,
        level: correlation.level,
        tags: correlation.tags,
        path: correlation.path,
      },
      source: group.lastRef.source,
      event: {
        correlation: {
          type: correlation.type,
          timespan: correlation.timespan,
          group: groupObject,
          measure: measure.measure,
          value: FIGURE_FORMAT(measure.value),
          events: measure.events,
          ...(measure.values !== undefined ? { values: measure.values } : {}),
          ...(measure.valuesOmitted ? { valuesOmitted: measure.valuesOmitted } : {}),
          first: measure.refs[0]?.timestamp ?? group.firstTimestamp,
          last: group.lastTimestamp,
          rules,
          matches: measure.refs,
          ...(measure.refsOmitted > 0 ? { matchesOmitted: measure.refsOmitted } : {}),
        },
      },
    };
    if (correlation.output) {
      this.stats.alerts++;
      this.onAlert(alert);
    }
    if (context.dependents.length === 0) return;
    const ref: MatchRef = { rule: correlation.id, timestamp: alert.timestamp, source: alert.source };
    for (const route of context.dependents) this.apply(route, decidedAt, alert.timestamp, group.values, ref);
  }

  private setEntries(group: Group, change: () => void): void {
    change();
    const now = group.aggregator.entries;
    this.entries += now - group.entries;
    group.entries = now;
  }

  private removeGroup(group: Group): void {
    if (group.dead) return;
    group.dead = true;
    this.entries -= group.entries;
    group.entries = 0;
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    this.unlink(group);
  }

  private linkNewest(group: Group): void {
    group.older = this.newest;
    group.newer = undefined;
    if (this.newest !== undefined) this.newest.newer = group;
    else this.oldest = group;
    this.newest = group;
  }

  private unlink(group: Group): void {
    if (group.older !== undefined) group.older.newer = group.newer;
    else if (this.oldest === group) this.oldest = group.newer;
    if (group.newer !== undefined) group.newer.older = group.older;
    else if (this.newest === group) this.newest = group.older;
    group.older = undefined;
    group.newer = undefined;
  }

  /** Evicts least recently used groups past the limits; `current` (just updated) goes last. */
  private enforceLimits(current: Group): void {
    while (this.groups.size > this.limits.maxGroups || this.entries > this.limits.maxStateEntries) {
      const oldest = this.oldest;
      if (oldest === undefined) break;
      const victim = oldest !== current || oldest.newer === undefined ? oldest : oldest.newer;
      this.removeGroup(victim);
      this.stats.evictions++;
    }
  }

  private updateSizes(): void {
    // Closed and evicted groups leave their deadline queued until it passes: rebuild the queue before
    // those dead entries can outgrow the live state.
    if (this.deadlines.size > 4 * this.groups.size + 1024) {
      this.deadlines.clear();
      for (let group = this.oldest; group !== undefined; group = group.newer)
        this.deadlines.push(group.deadline, group);
    }
    const stats = this.stats;
    stats.groups = this.groups.size;
    stats.stateEntries = this.entries;
    stats.approxStateBytes = stats.groups * GROUP_BYTES + stats.stateEntries * ENTRY_BYTES;
    if (stats.groups > stats.peakGroups) stats.peakGroups = stats.groups;
    if (stats.stateEntries > stats.peakStateEntries) stats.peakStateEntries = stats.stateEntries;
    if (stats.approxStateBytes > stats.peakApproxStateBytes)
      stats.peakApproxStateBytes = stats.approxStateBytes;
  }
}
