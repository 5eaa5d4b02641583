/**
 * Reads one JSON file (plain or gzip) as `JsonTextBatch`es: sniffs the first bytes, picks the framer (or
 * uses the one asked for), and streams the rest through it. Every problem becomes an issue; the iterable
 * never throws for bad content or I/O trouble with the file.
 */
import type { JsonTextBatch, SourceOptions } from '../types.js';
import { newChunkReadState, readFileChunks } from '../file-chunks.js';
import { sourceIssue } from '../issue-codes.js';
import { ArrayFramer } from './array-framer.js';
import { BatchBuilder } from './batch-builder.js';
import { ConcatFramer } from './concat-framer.js';
import type { Framer } from './framer.js';
import { NdjsonFramer } from './ndjson-framer.js';
import type { JsonFormatName } from './sniff.js';
import { SNIFF_BYTES, sniffJson } from './sniff.js';

/**
 * Streams the records of a JSON file. `format` forces a framing (`ndjson`, `json-array`, `json-concat`);
 * `auto` picks it from the content (see `sniffJson`). Batches carry the format name, with `+gzip` when the
 * file was compressed. A UTF-8 byte-order mark is skipped (offsets still count it).
 */
export async function* readJsonFile(
  path: string,
  options: SourceOptions,
  format: JsonFormatName | 'auto',
): AsyncGenerator<JsonTextBatch, void, undefined> {
  const state = newChunkReadState();
  let reader: { framer: Framer; builder: BatchBuilder } | undefined;
  const head: Buffer[] = [];
  let headBytes = 0;

  /** Picks the framer from the head; undefined when the file is to be skipped (the issue is reported). */
  const start = (h: Buffer): { framer: Framer; builder: BatchBuilder } | undefined => {
    const sniffed = sniffJson(h);
    let chosen: JsonFormatName;
    let bomLength = 0;
    if (sniffed.format !== undefined) {
      chosen = format === 'auto' ? sniffed.format : format;
      bomLength = sniffed.bomLength;
    } else if (
      sniffed.code === 'unsupported-encoding' ||
      (sniffed.code === 'unknown-format' && format === 'auto')
    ) {
      options.onIssue(sourceIssue(sniffed.code, 'error', sniffed.reason, { file: path }));
      return undefined;
    } else {
      // Empty (reported at the end), whitespace longer than the head, or content that the forced framer
      // will report in detail.
      chosen = format === 'auto' ? 'ndjson' : format;
    }
    const b = new BatchBuilder({
      path,
      format: state.gzip ? `${chosen}+gzip` : chosen,
      maxRecordBytes: options.maxRecordBytes,
      batchBytes: options.batchBytes,
      onIssue: options.onIssue,
    });
    const f = createFramer(chosen, b, bomLength);
    if (h.length > bomLength) f.push(h.subarray(bomLength));
    return { framer: f, builder: b };
  };

  for await (const chunk of readFileChunks(path, options, state)) {
    if (reader === undefined) {
      if (headBytes === 0 && chunk.length >= SNIFF_BYTES) {
        reader = start(chunk);
      } else {
        // The read buffer is reused: keep a copy until there is enough to sniff.
        head.push(Buffer.from(chunk));
        headBytes += chunk.length;
        if (headBytes < SNIFF_BYTES) continue;
        reader = start(Buffer.concat(head, headBytes));
        head.length = 0;
      }
      if (reader === undefined) return;
    } else {
      reader.framer.push(chunk);
    }
    const ready = reader.builder.take();
    for (let i = 0; i < ready.length; i++) yield ready[i]!;
  }
  if (state.aborted) return;
  if (reader === undefined) {
    if (headBytes === 0 && !state.complete) return; // nothing read; the reason was reported
    reader = start(Buffer.concat(head, headBytes));
    if (reader === undefined) return;
  }
  reader.framer.end(state.complete);
  const ready = reader.builder.take();
  for (let i = 0; i < ready.length; i++) yield ready[i]!;
  if (state.complete && !reader.framer.sawContent) {
    const message =
      state.bytes === 0 ? 'the file is empty' : `the file holds only whitespace (${state.bytes} bytes)`;
    options.onIssue(sourceIssue('empty-file', 'warning', message, { file: path }));
  }
}

export function createFramer(format: JsonFormatName, builder: BatchBuilder, startOffset = 0): Framer {
  switch (format) {
    case 'ndjson':
      return new NdjsonFramer(builder, startOffset);
    case 'json-array':
      return new ArrayFramer(builder, startOffset);
    case 'json-concat':
      return new ConcatFramer(builder, startOffset);
  }
}
