/**
 * The one seam between sources and detection: a decoder per batch kind turns a batch into parsed events,
 * pushed to a sink with their position. A new input format either reuses a batch kind or adds one kind to
 * `RecordBatch` and one entry to `batchDecoders`; the detector and the worker pool never change.
 *
 * The sink takes positions as numbers (not an object per record) because this runs once per event on the
 * hot path; the detector allocates an origin only for events that raise alerts.
 */
import type { Issue } from '../issues.js';
import type { JsonObject } from './decode.js';
import { decodeRecord } from './decode.js';
import type { JsonTextBatch, RecordBatch, RecordBatchKind } from './types.js';
import { decodeTextLines } from './text/decode-text.js';
import { decodeEvtxBatch } from './evtx/decode-evtx.js';

/** Position of a record in its file; 0 means "not known for this format" (e.g. no lines in EVTX). */
export interface RecordSink {
  /**
   * A decoded event. `line` and `offset` may be 0 when the format has no such notion. `eventClass` names
   * the kind of log the event comes from (`w3c`, `syslog`, …) for sources that know it; the rule index then
   * evaluates only the rules mapped to that class. Undefined for JSON and EVTX events, routed by channel.
   */
  event(value: JsonObject, line: number, record: number, offset: number, eventClass?: string): void;
  /** A record that could not be decoded and was skipped (counted as skipped). */
  skipped(issue: Issue): void;
  /** A problem that did not stop the record (or the batch) from being read. */
  warning(issue: Issue): void;
}

export type BatchDecoder<B extends RecordBatch> = (batch: B, sink: RecordSink) => void;

function decodeJsonText(batch: JsonTextBatch, sink: RecordSink): void {
  const count = batch.starts.length;
  for (let i = 0; i < count; i++) {
    const decoded = decodeRecord(batch, i);
    if (!decoded.ok) {
      sink.skipped(decoded.issue);
      continue;
    }
    if (decoded.warning !== undefined) sink.warning(decoded.warning);
    sink.event(decoded.value, batch.lines[i]!, batch.firstRecord + i, batch.offsets[i]!);
  }
}

export const batchDecoders: {
  readonly [K in RecordBatchKind]: BatchDecoder<Extract<RecordBatch, { kind: K }>>;
} = {
  'json-text': decodeJsonText,
  'evtx-chunks': decodeEvtxBatch,
  'text-lines': decodeTextLines,
};

/** Decodes every record of `batch` into `sink`. Never throws for bad content: it becomes issues. */
export function decodeBatch(batch: RecordBatch, sink: RecordSink): void {
  (batchDecoders[batch.kind] as BatchDecoder<RecordBatch>)(batch, sink);
}
