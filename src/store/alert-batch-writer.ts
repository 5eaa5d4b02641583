/**
 * Feeds alerts to a store in transactions, one at a time: a write starts once `batchSize` alerts (default
 * 1,000) are waiting, or `flushIntervalMs` (default 100 ms) after the first one, and takes everything
 * waiting up to `maxBatchSize` (default 10,000): when alerts pour in, transactions grow, which is what
 * keeps the write rate up (a commit costs about as much for 1,000 alerts as for 10,000). The producer adds
 * alerts without waiting and awaits `ready()` between its own batches, which holds it back while more than
 * `maxPending` alerts are queued: memory stays bounded when the database is slower than detection.
 *
 * A retryable failure (`locked`, `unavailable`, `conflict`) is retried with backoff for up to
 * `retryForMs`: writes are idempotent per occurrence, so a batch that may or may not have been committed
 * is simply written again. Any other failure, or one that outlasts the retries, stops the writer: batches
 * already committed stay, and `ready()`, `flush()` and `close()` reject with the error.
 *
 * @example
 *   const writer = new AlertBatchWriter(store, hunt.id);
 *   for (const alert of alerts) writer.add(alert);
 *   await writer.ready();               // between producer batches
 *   const totals = await writer.close(); // everything written
 */
import type { Alert } from '../events/event.js';
import { StoreError } from './errors.js';
import type { AlertWriteResult, Store } from './store.js';

export interface AlertBatchWriterOptions {
  readonly batchSize?: number;
  readonly maxBatchSize?: number;
  readonly flushIntervalMs?: number;
  readonly maxPending?: number;
  /** How long to keep retrying a retryable failure (default 60 s). */
  readonly retryForMs?: number;
  /** Told before each wait, so the user knows why the work paused. */
  readonly onRetry?: (error: StoreError, delayMs: number) => void;
}

export interface AlertWriteTotals extends AlertWriteResult {
  readonly batches: number;
  readonly retries: number;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 5000];

export class AlertBatchWriter {
  private queue: Alert[] = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private failure: Error | undefined;
  private readonly batchSize: number;
  private readonly maxBatchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxPending: number;
  private readonly retryForMs: number;
  private totalsSoFar = { received: 0, stored: 0, duplicates: 0, newAlerts: 0, batches: 0, retries: 0 };

  constructor(
    private readonly store: Store,
    private readonly huntId: number | null,
    private readonly options: AlertBatchWriterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.maxBatchSize = Math.max(options.maxBatchSize ?? 10 * this.batchSize, this.batchSize);
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.maxPending = Math.max(options.maxPending ?? 2 * this.maxBatchSize, this.maxBatchSize);
    this.retryForMs = options.retryForMs ?? 60_000;
  }

  /** What has been written so far. */
  get totals(): AlertWriteTotals {
    return { ...this.totalsSoFar };
  }

  /** Alerts added and not yet committed. */
  get pending(): number {
    return this.queue.length;
  }

  add(alert: Alert): void {
    if (this.failure !== undefined) return;
    this.queue.push(alert);
    if (this.queue.length >= this.batchSize) {
      // On the next turn, not now: the producer is usually adding a burst, and the whole burst makes one
      // transaction.
      if (!this.scheduled && this.running === undefined) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.kick();
        });
      }
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.flushIntervalMs);
      // A pending flush must not keep a finished program alive; close() flushes anyway.
      this.timer.unref();
    }
  }

  /** Resolves once the queue is below `maxPending`; rejects when the writer has stopped on an error. */
  async ready(): Promise<void> {
    while (this.failure === undefined && this.queue.length >= this.maxPending) {
      this.kick();
      await this.running;
    }
    this.throwIfFailed();
  }

  /** Writes everything added so far. */
  async flush(): Promise<void> {
    while (this.failure === undefined && (this.queue.length > 0 || this.running !== undefined)) {
      this.kick();
      await this.running;
    }
    this.throwIfFailed();
  }

  /** Flushes and stops the timer; the store stays open (its owner closes it). */
  async close(): Promise<AlertWriteTotals> {
    try {
      await this.flush();
    } finally {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
    }
    return this.totals;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private kick(): void {
    if (this.running !== undefined || this.failure !== undefined || this.queue.length === 0) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.failure === undefined && this.queue.length > 0) {
      const batch =
        this.queue.length <= this.maxBatchSize ? this.queue : this.queue.slice(0, this.maxBatchSize);
      this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatchSize);
      try {
        const result = await this.writeWithRetry(batch);
        const t = this.totalsSoFar;
        t.received += result.received;
        t.stored += result.stored;
        t.duplicates += result.duplicates;
        t.newAlerts += result.newAlerts;
        t.batches++;
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.queue = [];
      }
    }
  }

  private async writeWithRetry(batch: readonly Alert[]): Promise<AlertWriteResult> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.writeAlerts(this.huntId, batch);
      } catch (error) {
        if (!(error instanceof StoreError) || !error.retryable) throw error;
        const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
        if (Date.now() - started + delay > this.retryForMs) throw error;
        this.totalsSoFar.retries++;
        this.options.onRetry?.(error, delay);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
