/**
 * A small seeded PRNG (xoshiro128**, seeded through splitmix32) so the benchmark corpus is byte-for-byte
 * reproducible across runs and machines. `Math.random` is never used: its sequence differs per process.
 *
 * @example
 * const rng = new Prng(42);
 * rng.int(6); // 0..5, the same on every run with seed 42
 */
import type { Prng } from '../../src/scenario/prng.js';

// One seeded generator for the benchmark corpus and the demo replay (src/scenario/prng.ts).
export { hashString, Prng } from '../../src/scenario/prng.js';

/**
 * Picks among items with fixed relative weights in O(log n), precomputing the cumulative table once.
 */
export class WeightedPicker<T> {
  private readonly items: readonly T[];
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    if (entries.length === 0) throw new Error('WeightedPicker: no entries');
    this.items = entries.map(([item]) => item);
    this.cumulative = [];
    let sum = 0;
    for (const [, weight] of entries) {
      if (!(weight > 0)) throw new Error('WeightedPicker: weights must be positive');
      sum += weight;
      this.cumulative.push(sum);
    }
    this.total = sum;
  }

  pick(rng: Prng): T {
    const x = rng.float() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] ?? Infinity) > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo] as T;
  }
}
