/**
 * The format half of a text source: a line parser turns the text of one framed record into an event. It
 * runs where the batch is decoded (possibly a worker thread), is pure, and never throws for bad content:
 * it returns a reason instead, which the decoder turns into a located issue.
 */
import type { JsonObject } from '../decode.js';
import type { TextLinesBatch } from '../types.js';

/** A problem with one record: `code` is a source issue code, `column` (1-based) points into the line. */
export interface LineProblem {
  readonly code: LineIssueCode;
  readonly message: string;
  readonly column?: number;
}

export type LineResult =
  | {
      readonly ok: true;
      readonly value: JsonObject;
      /** Set when the record was read but something in it is off (the event is kept). */
      readonly warning?: LineProblem;
      /** Overrides the batch's event class for this event (e.g. a Sysmon for Linux event inside syslog). */
      readonly eventClass?: string;
    }
  | { readonly ok: false; readonly problem: LineProblem };

/** Parses the records of one batch. Created once per batch, so per-batch setup (header names) is paid once. */
export type RecordParser = (text: string) => LineResult;

export interface LineParser {
  readonly description: string;
  /** Prepares a parser for the records of `batch` (its `context`, `fileTime`). */
  readonly forBatch: (batch: TextLinesBatch) => RecordParser;
}

/** Issue codes that line parsers report; documented in `SOURCE_ISSUE_CODES`. */
export type LineIssueCode =
  | 'no-field-names'
  | 'field-count'
  | 'csv-unterminated-quote'
  | 'syslog-no-timestamp'
  | 'syslog-bad-priority'
  | 'auditd-bad-record'
  | 'unknown-parser';

/**
 * Sets `event[key]` as an own property even when `key` is `__proto__` (header names come from the file,
 * and a plain assignment would change the object's prototype instead), as `JSON.parse` does.
 */
export function setField(event: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(event, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    event[key] = value;
  }
}
