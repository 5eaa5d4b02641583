/**
 * Per-group state of one correlation, one class per way of deciding. Each holds only what its window needs
 * and says how many entries it holds, so the engine can bound the total. Times are ms since the epoch and
 * arrive in order (the engine guarantees it).
 */
import type { CompiledCorrelation, ConditionBound } from '../sigma/correlation/types.js';
import type { MatchRef } from './types.js';

/** At most this many values are listed in an alert (distinct values, rare values). */
export const MAX_LISTED_VALUES = 50;

/** What a group amounted to when its condition held. */
export interface Measure {
  /** What the condition tested: events, distinct values, rules, a sum, an average, a percentile... */
  readonly measure: string;
  readonly value: number;
  /** Contributing matches. */
  readonly events: number;
  readonly values?: readonly unknown[];
  readonly valuesOmitted?: number;
  readonly refs: readonly MatchRef[];
  readonly refsOmitted: number;
}

export interface Aggregator {
  /** Entries held, for the engine's state bound. */
  readonly entries: number;
  /** `value` is a number (sum, avg, percentile), a text key (value_count, rarity) or undefined. */
  add(time: number, sourceIndex: number, value: number | string | undefined, ref: MatchRef): void;
  /** Forgets what happened before `from` (sliding windows only). */
  expire(from: number): void;
  /** The measure if the condition holds now, else undefined. */
  evaluate(): Measure | undefined;
}

export function conditionHolds(bounds: readonly ConditionBound[], figure: number): boolean {
  for (const { op, value } of bounds) {
    const ok =
      op === 'gt'
        ? figure > value
        : op === 'gte'
          ? figure >= value
          : op === 'lt'
            ? figure < value
            : op === 'lte'
              ? figure <= value
              : op === 'eq'
                ? figure === value
                : figure !== value;
    if (!ok) return false;
  }
  return true;
}

/** The first and the last few refs of a stream of matches. */
export class RefSample {
  private readonly head: MatchRef[] = [];
  private readonly tail: MatchRef[] = [];
  private tailStart = 0;
  total = 0;

  constructor(private readonly half: number) {}

  add(ref: MatchRef): void {
    this.total++;
    if (this.head.length < this.half) this.head.push(ref);
    else if (this.tail.length < this.half) this.tail.push(ref);
    else if (this.half > 0) {
      this.tail[this.tailStart] = ref;
      this.tailStart = (this.tailStart + 1) % this.half;
    }
  }

  list(): MatchRef[] {
    return [...this.head, ...this.tail.slice(this.tailStart), ...this.tail.slice(0, this.tailStart)];
  }
}

function sampleOf<T>(items: readonly T[], half: number): T[] {
  return items.length <= half * 2 ? [...items] : [...items.slice(0, half), ...items.slice(-half)];
}

interface TimedEntry {
  readonly time: number;
  readonly value: number;
  readonly ref: MatchRef;
}

/** event_count and value_sum with a lower bound: a sliding window of matches. */
class SlidingEvents implements Aggregator {
  private items: TimedEntry[] = [];
  private head = 0;
  private sum = 0;

  constructor(
    private readonly summing: boolean,
    private readonly bounds: readonly ConditionBound[],
    private readonly half: number,
  ) {}

  get entries(): number {
    return this.items.length - this.head;
  }

  add(time: number, _source: number, value: number | string | undefined, ref: MatchRef): void {
    const amount = typeof value === 'number' ? value : 0;
    this.items.push({ time, value: amount, ref });
    this.sum += amount;
  }

  expire(from: number): void {
    while (this.head < this.items.length && this.items[this.head]!.time < from) {
      this.sum -= this.items[this.head]!.value;
      this.head++;
    }
    // Compact now and then so the array does not keep expired entries alive.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  evaluate(): Measure | undefined {
    const live = this.items.length - this.head;
    const figure = this.summing ? this.sum : live;
    if (live === 0 || !conditionHolds(this.bounds, figure)) return undefined;
    const entries = this.items.slice(this.head);
    return {
      measure: this.summing ? 'sum' : 'events',
      value: figure,
      events: live,
      refs: sampleOf(entries, this.half).map((entry) => entry.ref),
      refsOmitted: Math.max(0, live - this.half * 2),
    };
  }
}

/** value_count with a lower bound: the latest match of each distinct value, in a sliding window. */
class SlidingDistinct implements Aggregator {
  // Re-inserted on every sighting, so the Map's order is the order of each value's latest time.
  private readonly latest = new Map<string, { time: number; ref: MatchRef }>();
  private events = 0;

  constructor(
    private readonly bounds: readonly ConditionBound[],
    private readonly half: number,
  ) {}

  get entries(): number {
    return this.latest.size;
  }

  add(time: number, _source: number, value: number | string | undefined, ref: MatchRef): void {
    const key = String(value);
    this.latest.delete(key);
    this.latest.set(key, { time, ref });
    this.events++;
  }

  expire(from: number): void {
    for (const [key, entry] of this.latest) {
      if (entry.time >= from) break;
      this.latest.delete(key);
    }
  }

  evaluate(): Measure | undefined {
    const distinct = this.latest.size;
    if (distinct === 0 || !conditionHolds(this.bounds, distinct)) return undefined;
    const keys = [...this.latest.keys()];
    const refs = [...this.latest.values()].map((entry) => entry.ref);
    return {
      measure: 'distinct',
      value: distinct,
      events: this.events,
      values: keys.slice(0, MAX_LISTED_VALUES),
      valuesOmitted: Math.max(0, keys.length - MAX_LISTED_VALUES),
      refs: sampleOf(refs, this.half),
      refsOmitted: Math.max(0, refs.length - this.half * 2),
    };
  }
}

/** temporal: the latest match of each referenced rule within the window. */
class Temporal implements Aggregator {
  private readonly slots: ({ time: number; ref: MatchRef } | undefined)[];

  constructor(
    sources: number,
    private readonly bounds: readonly ConditionBound[],
  ) {
    this.slots = new Array<{ time: number; ref: MatchRef } | undefined>(sources).fill(undefined);
  }

  get entries(): number {
    return this.slots.filter((slot) => slot !== undefined).length;
  }

  add(time: number, source: number, _value: number | string | undefined, ref: MatchRef): void {
    this.slots[source] = { time, ref };
  }

  expire(from: number): void {
    for (let i = 0; i < this.slots.length; i++)
      if (this.slots[i] !== undefined && this.slots[i]!.time < from) this.slots[i] = undefined;
  }

  evaluate(): Measure | undefined {
    const present = this.slots.filter((slot): slot is { time: number; ref: MatchRef } => slot !== undefined);
    if (present.length === 0 || !conditionHolds(this.bounds, present.length)) return undefined;
    const refs = present.sort((a, b) => a.time - b.time).map((slot) => slot.ref);
    return { measure: 'rules', value: present.length, events: refs.length, refs, refsOmitted: 0 };
  }
}

/**
 * temporal_ordered: for each prefix of the rule list, the in-order chain of matches ending with the latest
 * possible start (the one most likely to complete within the window).
 */
class TemporalOrdered implements Aggregator {
  private readonly chains: ({ start: number; refs: MatchRef[] } | undefined)[];

  constructor(
    sources: number,
    private readonly bounds: readonly ConditionBound[],
  ) {
    this.chains = new Array<{ start: number; refs: MatchRef[] } | undefined>(sources).fill(undefined);
  }

  get entries(): number {
    let count = 0;
    for (const chain of this.chains) if (chain !== undefined) count += chain.refs.length;
    return count;
  }

  add(time: number, source: number, _value: number | string | undefined, ref: MatchRef): void {
    if (source === 0) {
      this.chains[0] = { start: time, refs: [ref] };
      return;
    }
    const previous = this.chains[source - 1];
    if (previous === undefined) return;
    const current = this.chains[source];
    if (current === undefined || previous.start >= current.start)
      this.chains[source] = { start: previous.start, refs: [...previous.refs, ref] };
  }

  expire(from: number): void {
    for (let i = 0; i < this.chains.length; i++)
      if (this.chains[i] !== undefined && this.chains[i]!.start < from) this.chains[i] = undefined;
  }

  evaluate(): Measure | undefined {
    let longest = -1;
    for (let i = this.chains.length - 1; i >= 0; i--) {
      if (this.chains[i] !== undefined) {
        longest = i;
        break;
      }
    }
    if (longest < 0 || !conditionHolds(this.bounds, longest + 1)) return undefined;
    const refs = this.chains[longest]!.refs;
    return { measure: 'rules', value: longest + 1, events: refs.length, refs: [...refs], refsOmitted: 0 };
  }
}

/** Every window-close correlation: a window anchored at the group's first match, decided when it ends. */
class WindowAggregate implements Aggregator {
  private count = 0;
  private sum = 0;
  private readonly distinct = new Map<string, number>();
  private readonly numbers: number[] = [];
  private readonly sample: RefSample;

  constructor(
    private readonly correlation: CompiledCorrelation,
    half: number,
  ) {
    this.sample = new RefSample(half);
  }

  private get rarity(): boolean {
    return (
      this.correlation.type === 'value_percentile' && this.correlation.condition.percentile === undefined
    );
  }

  get entries(): number {
    return this.distinct.size + this.numbers.length;
  }

  add(_time: number, _source: number, value: number | string | undefined, ref: MatchRef): void {
    this.count++;
    this.sample.add(ref);
    switch (this.correlation.type) {
      case 'value_count':
        this.distinct.set(String(value), (this.distinct.get(String(value)) ?? 0) + 1);
        return;
      case 'value_sum':
      case 'value_avg':
        this.sum += typeof value === 'number' ? value : 0;
        return;
      case 'value_percentile':
        if (this.rarity) this.distinct.set(String(value), (this.distinct.get(String(value)) ?? 0) + 1);
        else if (typeof value === 'number') this.numbers.push(value);
        return;
      default:
    }
  }

  expire(): void {
    // Anchored windows end as a whole: the engine closes them.
  }

  evaluate(): Measure | undefined {
    if (this.count === 0) return undefined;
    const bounds = this.correlation.condition.bounds;
    const refs = this.sample.list();
    const base = { events: this.count, refs, refsOmitted: this.sample.total - refs.length };
    switch (this.correlation.type) {
      case 'value_count': {
        const keys = [...this.distinct.keys()];
        if (!conditionHolds(bounds, keys.length)) return undefined;
        return {
          ...base,
          measure: 'distinct',
          value: keys.length,
          values: keys.slice(0, MAX_LISTED_VALUES),
          valuesOmitted: Math.max(0, keys.length - MAX_LISTED_VALUES),
        };
      }
      case 'value_sum':
        return conditionHolds(bounds, this.sum) ? { ...base, measure: 'sum', value: this.sum } : undefined;
      case 'value_avg': {
        const average = this.sum / this.count;
        return conditionHolds(bounds, average) ? { ...base, measure: 'average', value: average } : undefined;
      }
      case 'value_percentile':
        return this.rarity ? this.rareValues(base) : this.percentileValue(base);
      default:
        return conditionHolds(bounds, this.count)
          ? { ...base, measure: 'events', value: this.count }
          : undefined;
    }
  }

  private percentileValue(base: Pick<Measure, 'events' | 'refs' | 'refsOmitted'>): Measure | undefined {
    if (this.numbers.length === 0) return undefined;
    const p = this.correlation.condition.percentile ?? 50;
    const figure = percentile(this.numbers, p);
    if (!conditionHolds(this.correlation.condition.bounds, figure)) return undefined;
    return { ...base, measure: `percentile ${p}`, value: figure };
  }

  /** Spec reading without `percentile`: values whose share of the group's matches meets the condition. */
  private rareValues(base: Pick<Measure, 'events' | 'refs' | 'refsOmitted'>): Measure | undefined {
    const rare: { value: string; count: number; percent: number }[] = [];
    for (const [value, count] of this.distinct) {
      const percent = (count * 100) / this.count;
      if (conditionHolds(this.correlation.condition.bounds, percent)) rare.push({ value, count, percent });
    }
    if (rare.length === 0) return undefined;
    rare.sort((a, b) => a.percent - b.percent || (a.value < b.value ? -1 : 1));
    return {
      ...base,
      measure: 'percent of matches',
      value: rare[0]!.percent,
      values: rare.slice(0, MAX_LISTED_VALUES),
      valuesOmitted: Math.max(0, rare.length - MAX_LISTED_VALUES),
    };
  }
}

/** Linear interpolation between closest ranks (numpy's default). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function createAggregator(correlation: CompiledCorrelation, maxRefs: number): Aggregator {
  const half = Math.max(1, Math.floor(maxRefs / 2));
  const bounds = correlation.condition.bounds;
  if (correlation.evaluation === 'window-close') return new WindowAggregate(correlation, half);
  switch (correlation.type) {
    case 'temporal':
      return new Temporal(correlation.sources.length, bounds);
    case 'temporal_ordered':
      return new TemporalOrdered(correlation.sources.length, bounds);
    case 'value_count':
      return new SlidingDistinct(bounds, half);
    case 'value_sum':
      return new SlidingEvents(true, bounds, half);
    default:
      return new SlidingEvents(false, bounds, half);
  }
}
