/**
 * Puts slightly unordered inputs back in time order for the correlation engine. Inputs wait until event
 * time has moved `windowMs` past them (the latest time seen minus the window is the watermark), then come
 * out oldest first. An input older than what has already come out is late: counted and left out, since the
 * windows it belonged to may be decided already: with a window W, an input more than W older than the
 * latest seen is late. At most `maxItems` wait; past that the oldest is released
 * early (counted), so memory stays bounded whatever the input.
 */
import { MinHeap } from './min-heap.js';

export interface Timed {
  readonly timeMs: number | null;
}

export class ReorderBuffer<T extends Timed> {
  private readonly heap = new MinHeap<T>();
  private maxSeen = -Infinity;
  /** Nothing earlier than this may come out any more: what was released, and the watermark passed on. */
  private floor = -Infinity;
  /** Inputs older than what had already been released. */
  late = 0;
  /** Inputs released before their wait was over, because the buffer was full. */
  forced = 0;
  peak = 0;
  firstLate: T | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly maxItems: number,
    private readonly release: (item: T) => void,
    private readonly onWatermark?: (watermark: number) => void,
  ) {}

  get size(): number {
    return this.heap.size;
  }

  /** The time before which nothing more will be released. */
  get watermark(): number {
    return this.maxSeen - this.windowMs;
  }

  push(item: T): void {
    const time = item.timeMs;
    if (time === null || !Number.isFinite(time)) throw new Error('reorder buffer input without a time');
    if (time < this.floor) {
      this.late++;
      this.firstLate ??= item;
      return;
    }
    this.heap.push(time, item);
    if (this.heap.size > this.peak) this.peak = this.heap.size;
    if (time > this.maxSeen) this.maxSeen = time;
    this.releaseUntil(this.watermark);
    while (this.heap.size > this.maxItems) {
      this.forced++;
      this.releaseOne();
    }
  }

  /**
   * Event time has reached `time` without input (a quiet stream): release what waited long enough.
   * @param time e.g. wall-clock now, for a live stream
   */
  advance(time: number): void {
    if (time > this.maxSeen) this.maxSeen = time;
    this.releaseUntil(this.watermark);
  }

  /** End of input: everything comes out in order. */
  drain(): void {
    while (this.heap.size > 0) this.releaseOne();
  }

  private releaseUntil(watermark: number): void {
    for (;;) {
      const next = this.heap.peekKey();
      if (next === undefined || next > watermark) break;
      this.releaseOne();
    }
    if (Number.isFinite(watermark) && watermark > this.floor) {
      this.floor = watermark;
      this.onWatermark?.(watermark);
    }
  }

  private releaseOne(): void {
    const { key, item } = this.heap.pop()!;
    if (key > this.floor) this.floor = key;
    this.release(item);
  }
}
