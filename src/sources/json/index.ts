/** JSON input sources: framing of NDJSON, JSON arrays and concatenated JSON (plain or gzip). */
export { readJsonFile, createFramer } from './read-json.js';
export { BatchBuilder } from './batch-builder.js';
export type { BatchBuilderOptions, AbandonedRecord } from './batch-builder.js';
export type { Framer } from './framer.js';
export { NdjsonFramer } from './ndjson-framer.js';
export { ArrayFramer } from './array-framer.js';
export { ConcatFramer } from './concat-framer.js';
export { sniffJson, SNIFF_BYTES } from './sniff.js';
export type { JsonFormatName, SniffResult } from './sniff.js';
