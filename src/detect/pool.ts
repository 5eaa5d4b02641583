/**
 * Spreads batches over worker threads and hands results back in submission order, so the output is
 * the same as with one thread. In-flight batches are bounded: `submit` waits when workers are busy, which
 * pushes back on the reader and keeps memory bounded whatever the input size.
 */
import { Worker } from 'node:worker_threads';
import type { RecordBatch } from '../sources/types.js';
import type { BatchResult, DetectorConfig, RuleSetSummary } from './detector.js';
import type { WorkerRequest, WorkerResponse } from './worker.js';

const IN_FLIGHT_PER_WORKER = 3;

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly done = new Map<number, BatchResult>();
  private nextSeq = 0;
  private nextDelivery = 0;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private failure: Error | undefined;
  /** The rule pack as the first worker compiled it (all workers compile the same pack). */
  summary: RuleSetSummary | undefined;

  private constructor(private readonly deliver: (result: BatchResult) => void) {}

  static async start(
    threads: number,
    config: DetectorConfig,
    deliver: (result: BatchResult) => void,
  ): Promise<WorkerPool> {
    const pool = new WorkerPool(deliver);
    const url = new URL('./worker.js', import.meta.url);
    await Promise.all(
      Array.from({ length: threads }, (_, index) => {
        // A smaller young generation keeps each thread's resident memory down; scavenges stay cheap.
        const worker = new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 16 } });
        pool.workers.push(worker);
        pool.load.push(0);
        return new Promise<void>((resolve, reject) => {
          const onMessage = (message: WorkerResponse): void => {
            if (message.type === 'ready') {
              pool.summary ??= message.summary;
              worker.off('message', onMessage);
              worker.on('message', (response: WorkerResponse) => pool.onResponse(index, response));
              resolve();
            }
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
          worker.on('error', (error) => pool.fail(error));
          worker.postMessage({ type: 'init', config } satisfies WorkerRequest);
        });
      }),
    );
    return pool;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const wake of this.waiters.splice(0)) wake();
  }

  private onResponse(index: number, response: WorkerResponse): void {
    if (response.type === 'ready') return;
    this.load[index]!--;
    this.inFlight--;
    if (response.type === 'error') {
      this.fail(new Error(`detection worker failed: ${response.message}`));
      return;
    }
    this.done.set(response.seq, response.result);
    while (this.done.has(this.nextDelivery)) {
      const result = this.done.get(this.nextDelivery)!;
      this.done.delete(this.nextDelivery++);
      this.deliver(result);
    }
    const wake = this.waiters.shift();
    if (wake) wake();
  }

  async submit(batch: RecordBatch): Promise<void> {
    while (this.inFlight >= this.workers.length * IN_FLIGHT_PER_WORKER && this.failure === undefined) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
    let target = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[target]!) target = i;
    this.load[target]!++;
    this.inFlight++;
    const seq = this.nextSeq++;
    const buffer = batch.bytes.buffer;
    const transfer =
      buffer instanceof ArrayBuffer && batch.bytes.byteLength === buffer.byteLength ? [buffer] : [];
    this.workers[target]!.postMessage({ type: 'batch', seq, batch } satisfies WorkerRequest, transfer);
  }

  /** Waits for every submitted batch to be delivered, then stops the workers. */
  async close(): Promise<void> {
    while (this.inFlight > 0 && this.failure === undefined) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    if (this.failure) throw this.failure;
  }
}
