/**
 * Collects framed records into `JsonTextBatch`es. Each batch owns its buffers outright: `bytes` and the four
 * index arrays each have their own ArrayBuffer of exactly their length (byteOffset 0), so a batch can be
 * transferred to a worker thread. Record bytes are copied out of the read chunk, which the reader reuses.
 *
 * Two ways in:
 * - records wholly inside one chunk: `copy()` a span of the chunk (possibly many records at once, as the
 *   NDJSON framer does) and `add()` each record's range inside the copied span;
 * - records that may span chunks: `begin()`, `append()` each piece, then `commit()` or `abandon()`. A
 *   pending record longer than `maxRecordBytes` stops being stored the moment it crosses the limit; its
 *   later pieces are only counted, and `commit()` reports it as `record-too-large`.
 *
 * Memory: the current batch (about `batchBytes`) plus at most one pending record (≤ `maxRecordBytes`).
 */
import type { Issue } from '../../issues.js';
import { formatBytes, sourceIssue } from '../issue-codes.js';
import type { JsonTextBatch } from '../types.js';

export interface BatchBuilderOptions {
  readonly path: string;
  readonly format: string;
  readonly maxRecordBytes: number;
  readonly batchBytes: number;
  readonly onIssue: (issue: Issue) => void;
}

/** What was dropped by `abandon()`. */
export interface AbandonedRecord {
  readonly line: number;
  readonly offset: number;
  readonly size: number;
  /** The record had already crossed `maxRecordBytes` (and `record-too-large` was reported for it). */
  readonly tooLarge: boolean;
}

const INITIAL_INDEX_CAPACITY = 1024;

export class BatchBuilder {
  private readonly options: BatchBuilderOptions;
  private buf: Uint8Array;
  private len = 0;
  private starts = new Uint32Array(INITIAL_INDEX_CAPACITY);
  private ends = new Uint32Array(INITIAL_INDEX_CAPACITY);
  private lines = new Uint32Array(INITIAL_INDEX_CAPACITY);
  private offsets = new Float64Array(INITIAL_INDEX_CAPACITY);
  private count = 0;
  private nextRecord = 1;
  private ready: JsonTextBatch[] = [];

  private pending = false;
  private pStart = 0;
  private pLine = 0;
  private pOffset = 0;
  private pSize = 0;
  private pTooLarge = false;

  /** Records delivered so far (in emitted batches or the current one). */
  delivered = 0;
  /** Records skipped by the builder itself (too large). */
  skipped = 0;

  constructor(options: BatchBuilderOptions) {
    if (!(options.batchBytes >= 1) || !(options.maxRecordBytes >= 1)) {
      throw new RangeError('batchBytes and maxRecordBytes must be at least 1');
    }
    this.options = options;
    this.buf = new Uint8Array(options.batchBytes);
  }

  get path(): string {
    return this.options.path;
  }

  get maxRecordBytes(): number {
    return this.options.maxRecordBytes;
  }

  /** Bytes that `copy()` can take before the current batch must be emitted. */
  get room(): number {
    return this.buf.length - this.len;
  }

  /** Bytes in the batch buffer (where the next `copy()` lands). */
  get length(): number {
    return this.len;
  }

  /** Reports an issue through the source's `onIssue`. */
  report(issue: Issue): void {
    this.options.onIssue(issue);
  }

  get inRecord(): boolean {
    return this.pending;
  }

  /**
   * Copies `src[from, to)` into the batch and returns the batch position of `src[from]`; the caller has
   * checked `room` (or emitted). Not allowed while a record is pending.
   */
  copy(src: Uint8Array, from: number, to: number): number {
    const at = this.len;
    this.buf.set(src.subarray(from, to), at);
    this.len = at + (to - from);
    return at;
  }

  /** Registers bytes `[start, end)` already in the batch as a record. */
  add(start: number, end: number, line: number, offset: number): void {
    if (this.count === this.starts.length) this.growIndex();
    const i = this.count++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.lines[i] = line;
    this.offsets[i] = offset;
    this.delivered++;
  }

  /** True when the batch has reached its target size (the caller should `emit()` after copying). */
  get full(): boolean {
    return this.len >= this.options.batchBytes;
  }

  begin(line: number, offset: number): void {
    this.pending = true;
    this.pStart = this.len;
    this.pLine = line;
    this.pOffset = offset;
    this.pSize = 0;
    this.pTooLarge = false;
  }

  append(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    if (this.pTooLarge) {
      this.pSize += n;
      return;
    }
    if (this.pSize + n > this.options.maxRecordBytes) {
      // Drop what is stored; from here on the record is only measured, never buffered.
      this.pTooLarge = true;
      this.pSize += n;
      this.len = this.pStart;
      return;
    }
    this.pSize += n;
    if (this.len + n > this.buf.length) this.makeRoom(n);
    this.buf.set(src.subarray(from, to), this.len);
    this.len += n;
  }

  /** Ends the pending record. `trimCR` drops one trailing `\r` (CRLF line endings). */
  commit(trimCR: boolean): void {
    if (!this.pending) return;
    this.pending = false;
    if (this.pTooLarge) {
      this.reportTooLarge(this.pLine, this.pOffset, this.pSize, false);
      this.len = this.pStart;
      return;
    }
    let end = this.len;
    if (trimCR && end > this.pStart && this.buf[end - 1] === 13) end--;
    if (end === this.pStart) {
      this.len = this.pStart;
      return;
    }
    this.add(this.pStart, end, this.pLine, this.pOffset);
    if (this.full) this.emit();
  }

  /**
   * Drops the pending record without delivering it (the caller reports why). A record that had already
   * crossed the size limit is reported here as `record-too-large`, so it is reported exactly once.
   */
  abandon(): AbandonedRecord | undefined {
    if (!this.pending) return undefined;
    this.pending = false;
    this.len = this.pStart;
    const dropped = { line: this.pLine, offset: this.pOffset, size: this.pSize, tooLarge: this.pTooLarge };
    if (this.pTooLarge) this.reportTooLarge(this.pLine, this.pOffset, this.pSize, true);
    return dropped;
  }

  /** Reports a record that a framer measured without storing (e.g. a long line inside one chunk). */
  reportTooLarge(line: number, offset: number, size: number, unterminated: boolean): void {
    this.skipped++;
    const { path, maxRecordBytes } = this.options;
    const tail = unterminated ? ' (and the input ended before the record did)' : '';
    this.options.onIssue(
      sourceIssue(
        'record-too-large',
        'error',
        `record of ${formatBytes(size)} (${size} bytes) exceeds the limit of ${formatBytes(maxRecordBytes)}; skipped${tail}`,
        { file: path, line, offset },
      ),
    );
  }

  /** Moves the records gathered so far into a batch (the pending record, if any, stays). */
  emit(extra = 0): void {
    if (this.count === 0) return;
    const cut = this.pending ? this.pStart : this.len;
    const old = this.buf;
    // Exactly sized, so that `bytes.buffer` is the batch's bytes and nothing else: a worker pool can
    // transfer it as is. The copy costs far less than parsing the records.
    const bytes = cut === old.length ? old : old.slice(0, cut);
    const n = this.count;
    this.ready.push({
      kind: 'json-text',
      path: this.options.path,
      format: this.options.format,
      bytes,
      starts: this.starts.slice(0, n),
      ends: this.ends.slice(0, n),
      lines: this.lines.slice(0, n),
      offsets: this.offsets.slice(0, n),
      firstRecord: this.nextRecord,
    });
    this.nextRecord += n;
    this.count = 0;
    const carried = this.len - cut;
    this.buf = new Uint8Array(Math.max(this.options.batchBytes, carried + extra));
    if (carried > 0) this.buf.set(old.subarray(cut, this.len), 0);
    this.len = carried;
    if (this.pending) this.pStart = 0;
  }

  /** Emits the last partial batch; the caller has committed or abandoned any pending record. */
  finish(): void {
    this.emit();
  }

  /** Takes the batches completed so far. */
  take(): readonly JsonTextBatch[] {
    if (this.ready.length === 0) return EMPTY;
    const out = this.ready;
    this.ready = [];
    return out;
  }

  private makeRoom(n: number): void {
    if (this.count > 0) this.emit(n);
    if (this.len + n <= this.buf.length) return;
    // Only the pending record is left in the buffer and it is within maxRecordBytes.
    const capacity = Math.min(Math.max(this.buf.length * 2, this.len + n), this.options.maxRecordBytes);
    const grown = new Uint8Array(Math.max(capacity, this.len + n));
    grown.set(this.buf.subarray(0, this.len), 0);
    this.buf = grown;
  }

  private growIndex(): void {
    const capacity = this.starts.length * 2;
    const starts = new Uint32Array(capacity);
    starts.set(this.starts);
    const ends = new Uint32Array(capacity);
    ends.set(this.ends);
    const lines = new Uint32Array(capacity);
    lines.set(this.lines);
    const offsets = new Float64Array(capacity);
    offsets.set(this.offsets);
    this.starts = starts;
    this.ends = ends;
    this.lines = lines;
    this.offsets = offsets;
  }
}

const EMPTY: readonly JsonTextBatch[] = [];
