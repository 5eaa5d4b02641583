/** Worker for the `evtx` benchmark: decodes the files it is given to JSON and posts the record count. */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeEvtxFile } from '../src/sources/evtx/index.js';

const files = (workerData as { files: string[] }).files;
let records = 0;
for (const file of files) {
  const result = await decodeEvtxFile(
    file,
    'json',
    () => undefined,
    () => undefined,
  );
  records += result.records;
}
parentPort?.postMessage({ records });
