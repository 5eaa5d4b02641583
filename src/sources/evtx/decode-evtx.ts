/**
 * The batch decoder for `evtx-chunks` batches (runs in worker threads): every chunk of the batch is decoded
 * into evtx_dump-shaped JSON events. Positions: `record` is the EventRecordID, `offset` the record's file
 * offset, `line` 0.
 */
import type { RecordSink } from '../decode-batch.js';
import type { JsonObject } from '../decode.js';
import type { EvtxChunkBatch } from '../types.js';
import type { ChunkRecordSink, EvtxOutput } from './chunk.js';
import { decodeChunk } from './chunk.js';

export function decodeEvtxBatch(batch: EvtxChunkBatch, sink: RecordSink): void {
  const chunkSink: ChunkRecordSink = {
    record(value, recordId, fileOffset) {
      sink.event(value as JsonObject, 0, recordId, fileOffset);
    },
    issue(issue, skipped) {
      if (skipped) sink.skipped(issue);
      else sink.warning(issue);
    },
  };
  forEachChunk(batch, 'json', chunkSink);
}

/** Decodes each chunk of `batch` into `sink`, as JSON objects or XML text. */
export function forEachChunk(batch: EvtxChunkBatch, output: EvtxOutput, sink: ChunkRecordSink): void {
  for (let i = 0; i < batch.chunkStarts.length; i++) {
    decodeChunk(
      batch.bytes,
      batch.chunkStarts[i]!,
      batch.chunkLengths[i]!,
      { path: batch.path, chunkNumber: batch.chunkNumbers[i]!, fileOffset: batch.chunkOffsets[i]! },
      output,
      sink,
    );
  }
}
