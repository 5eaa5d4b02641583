/** Worker-thread entry: builds a `Detector` from the posted config and processes batches on request. */
import { parentPort } from 'node:worker_threads';
import type { RecordBatch } from '../sources/types.js';
import type { BatchResult, DetectorConfig, RuleSetSummary } from './detector.js';
import { Detector } from './detector.js';

export type WorkerRequest =
  | { readonly type: 'init'; readonly config: DetectorConfig }
  | { readonly type: 'batch'; readonly seq: number; readonly batch: RecordBatch };

export type WorkerResponse =
  | { readonly type: 'ready'; readonly summary: RuleSetSummary }
  | { readonly type: 'result'; readonly seq: number; readonly result: BatchResult }
  | { readonly type: 'error'; readonly seq: number; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('detect/worker.js must run in a worker thread');

let detector: Detector | undefined;
port.on('message', (request: WorkerRequest) => {
  if (request.type === 'init') {
    detector = new Detector({ ...request.config, retainDocuments: false });
    port.postMessage({ type: 'ready', summary: detector.summary } satisfies WorkerResponse);
    return;
  }
  try {
    if (detector === undefined) throw new Error('batch before init');
    const result = detector.processBatch(request.batch);
    port.postMessage({ type: 'result', seq: request.seq, result } satisfies WorkerResponse);
  } catch (error) {
    port.postMessage({
      type: 'error',
      seq: request.seq,
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies WorkerResponse);
  }
});
