import { describe, expect, it } from 'vitest';
import { prng } from '../../test/helpers/prng.js';
import { ReorderBuffer } from './reorder-buffer.js';

interface Item {
  readonly timeMs: number;
  readonly id: number;
}

/** A stream in time order, then each item delayed by up to `jitterMs` of arrival (seeded). */
function jittered(count: number, jitterMs: number, seed: number): Item[] {
  const random = prng(seed);
  const items = Array.from({ length: count }, (_, id) => ({ timeMs: id * 1000, id }));
  return items
    .map((item) => ({ item, arrival: item.timeMs + random() * jitterMs }))
    .sort((a, b) => a.arrival - b.arrival)
    .map(({ item }) => item);
}

describe('ReorderBuffer', () => {
  it('puts input that is out of order by less than the window back in order', () => {
    const out: Item[] = [];
    const buffer = new ReorderBuffer<Item>(30_000, 10_000, (item) => out.push(item));
    const input = jittered(2000, 25_000, 7);
    expect(input.map((i) => i.id)).not.toEqual(input.map((_, i) => i)); // really out of order
    for (const item of input) buffer.push(item);
    buffer.drain();
    expect(out.map((i) => i.id)).toEqual(input.map((_, i) => i));
    expect(buffer.late).toBe(0);
    // It holds about a window's worth, not the whole stream.
    expect(buffer.peak).toBeLessThan(100);
  });

  it('counts input further out of order than the window as late and leaves it out', () => {
    const out: Item[] = [];
    const buffer = new ReorderBuffer<Item>(5_000, 10_000, (item) => out.push(item));
    const input = jittered(2000, 60_000, 11);
    for (const item of input) buffer.push(item);
    buffer.drain();
    expect(buffer.late).toBeGreaterThan(0);
    expect(out.length + buffer.late).toBe(2000);
    // What does come out is in time order.
    expect(out.every((item, i) => i === 0 || item.timeMs >= out[i - 1]!.timeMs)).toBe(true);
    expect(buffer.firstLate).toBeDefined();
  });

  it('never holds more than its limit: the oldest is released early and counted', () => {
    const out: Item[] = [];
    const buffer = new ReorderBuffer<Item>(3_600_000, 10, (item) => out.push(item));
    for (let id = 0; id < 100; id++) buffer.push({ timeMs: id * 1000, id });
    expect(buffer.size).toBe(10);
    expect(buffer.forced).toBe(90);
    expect(out).toHaveLength(90);
  });

  it('passes the watermark on as event time advances without input (a quiet stream)', () => {
    const watermarks: number[] = [];
    const out: Item[] = [];
    const buffer = new ReorderBuffer<Item>(
      1000,
      10,
      (item) => out.push(item),
      (watermark) => watermarks.push(watermark),
    );
    buffer.push({ timeMs: 5000, id: 1 });
    expect(out).toEqual([]);
    buffer.advance(7000);
    expect(out.map((i) => i.id)).toEqual([1]);
    expect(watermarks.at(-1)).toBe(6000);
    buffer.push({ timeMs: 5500, id: 2 });
    expect(buffer.late).toBe(1);
  });
});
