/**
 * A framer finds where records start and end in a byte stream and hands them to a `BatchBuilder`. It is
 * pushed chunks in order and told when the input ends; it never throws for bad content.
 */
import type { Issue } from '../../issues.js';
import { formatBytes, previewBytes, sourceIssue } from '../issue-codes.js';
import type { AbandonedRecord } from './batch-builder.js';

export interface Framer {
  /** Frames the bytes of `chunk`; the chunk is only valid during the call. */
  push(chunk: Buffer): void;
  /**
   * The input ended: normally (`complete`), or early after a read or gzip error already reported. Flushes
   * the last batch.
   */
  end(complete: boolean): void;
  /** Anything other than whitespace was seen (to tell an empty file from one whose records all failed). */
  readonly sawContent: boolean;
}

export function truncatedIssue(path: string, record: AbandonedRecord, why: string): Issue {
  return sourceIssue(
    'truncated-record',
    'error',
    `record cut off after ${formatBytes(record.size)} (${record.size} bytes): ${why}; skipped`,
    { file: path, line: record.line, offset: record.offset },
  );
}

/** Collects a short preview and the extent of a run of bytes that belongs to no record. */
export class SkippedRun {
  line = 0;
  offset = 0;
  size = 0;
  /** Only `Record <n>` header lines so far (evtx_dump writes them before each record). */
  private header = 0;
  private readonly preview = new Uint8Array(40);
  private previewLength = 0;

  start(line: number, offset: number): void {
    this.line = line;
    this.offset = offset;
    this.size = 0;
    this.header = 0;
    this.previewLength = 0;
  }

  add(c: number): void {
    if (this.previewLength < this.preview.length) this.preview[this.previewLength++] = c;
    this.size++;
    this.header = nextHeaderState(this.header, c);
  }

  /** True when the run is nothing but complete `Record <n>` lines: format framing, not data. */
  get onlyRecordHeaders(): boolean {
    return this.header === 0 && this.size > 0;
  }

  issue(path: string, expected: string): Issue {
    const shown = previewBytes(this.preview.subarray(0, this.previewLength), this.preview.length);
    return sourceIssue(
      'skipped-data',
      'error',
      `skipped ${formatBytes(this.size)} (${this.size} bytes) that are not part of any record ` +
        `(expected ${expected}), starting with "${shown}${this.size > this.previewLength ? '…' : ''}"`,
      { file: path, line: this.line, offset: this.offset },
    );
  }
}

// States of the `Record <digits>\r?\n` matcher: 0 line start, 1..7 inside "Record ", 8 digits, 9 after \r,
// -1 failed for good.
const HEADER = [0x52, 0x65, 0x63, 0x6f, 0x72, 0x64, 0x20];

function nextHeaderState(state: number, c: number): number {
  if (state < 0) return -1;
  if (state < 7) return c === HEADER[state] ? state + 1 : -1;
  if (state === 7) return c >= 0x30 && c <= 0x39 ? 8 : -1;
  if (state === 8) {
    if (c >= 0x30 && c <= 0x39) return 8;
    if (c === 0x0a) return 0;
    return c === 0x0d ? 9 : -1;
  }
  return c === 0x0a ? 0 : -1;
}
