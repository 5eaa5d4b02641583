/**
 * Collects the records of one text file into `TextLinesBatch`es. Record storage, size limits and batch
 * sizing are the JSON sources' `BatchBuilder` (a batch is the same bytes + index arrays whatever the
 * format); this adds what text needs on top: the header context every record of a batch shares, so a batch
 * ends where the header changes (a new W3C `#Fields:` line mid-file), and the event class.
 */
import type { Issue } from '../../issues.js';
import type { AbandonedRecord } from '../json/index.js';
import { BatchBuilder } from '../json/index.js';
import type { TextLinesBatch } from '../types.js';

export interface TextBatcherOptions {
  readonly path: string;
  readonly format: string;
  readonly parser: string;
  readonly eventClass: string;
  readonly fileTime: number;
  readonly maxRecordBytes: number;
  readonly batchBytes: number;
  readonly onIssue: (issue: Issue) => void;
}

const NO_CONTEXT: readonly string[] = [];

export class TextBatcher {
  private readonly builder: BatchBuilder;
  private readonly options: TextBatcherOptions;
  private context: readonly string[] = NO_CONTEXT;
  private eventClass: string;
  private ready: TextLinesBatch[] = [];

  constructor(options: TextBatcherOptions) {
    this.options = options;
    this.eventClass = options.eventClass;
    this.builder = new BatchBuilder({
      path: options.path,
      format: options.format,
      maxRecordBytes: options.maxRecordBytes,
      batchBytes: options.batchBytes,
      onIssue: options.onIssue,
    });
  }

  get path(): string {
    return this.options.path;
  }

  get maxRecordBytes(): number {
    return this.options.maxRecordBytes;
  }

  get inRecord(): boolean {
    return this.builder.inRecord;
  }

  get currentContext(): readonly string[] {
    return this.context;
  }

  /** A record in one piece (the usual case: one line). */
  record(bytes: Uint8Array, start: number, end: number, line: number, offset: number): void {
    const b = this.builder;
    b.begin(line, offset);
    b.append(bytes, start, end);
    b.commit(false);
  }

  /** A record in several pieces (a CSV record whose quoted field spans lines). */
  begin(line: number, offset: number): void {
    this.builder.begin(line, offset);
  }

  append(bytes: Uint8Array, start: number, end: number): void {
    this.builder.append(bytes, start, end);
  }

  commit(): void {
    this.builder.commit(false);
  }

  /** Drops the pending record (the caller reports why, unless it was too large: that is reported here). */
  abandon(): AbandonedRecord | undefined {
    return this.builder.abandon();
  }

  /**
   * Sets the header context (and event class) of the records that follow. The records so far go into a
   * batch of their own when it changes, so every batch has one context.
   */
  setContext(context: readonly string[], eventClass: string = this.eventClass): void {
    if (eventClass === this.eventClass && sameStrings(context, this.context)) return;
    this.builder.emit();
    this.collect();
    this.context = context;
    this.eventClass = eventClass;
  }

  tooLong(line: number, offset: number, size: number, unterminated: boolean): void {
    this.builder.reportTooLarge(line, offset, size, unterminated);
  }

  report(issue: Issue): void {
    this.options.onIssue(issue);
  }

  /** Emits the last partial batch; any pending record has been committed or abandoned. */
  finish(): void {
    this.builder.finish();
    this.collect();
  }

  /** Takes the batches completed so far. */
  take(): readonly TextLinesBatch[] {
    this.collect();
    if (this.ready.length === 0) return EMPTY;
    const out = this.ready;
    this.ready = [];
    return out;
  }

  private collect(): void {
    for (const batch of this.builder.take()) {
      this.ready.push({
        kind: 'text-lines',
        path: batch.path,
        format: batch.format,
        parser: this.options.parser,
        context: this.context,
        eventClass: this.eventClass,
        fileTime: this.options.fileTime,
        bytes: batch.bytes,
        starts: batch.starts,
        ends: batch.ends,
        lines: batch.lines,
        offsets: batch.offsets,
        firstRecord: batch.firstRecord,
      });
    }
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const EMPTY: readonly TextLinesBatch[] = [];
