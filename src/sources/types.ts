/**
 * Sources turn files into batches of records. Framing (where a record ends) happens in the reading thread;
 * decoding and parsing a record happen wherever the batch is matched (possibly a worker thread), so a
 * batch carries raw bytes that can be transferred between threads without copying.
 */
import type { Issue } from '../issues.js';

/** Records of one file, framed but not parsed: `bytes.subarray(starts[i], ends[i])` is record i. */
export interface JsonTextBatch {
  readonly kind: 'json-text';
  readonly path: string;
  /** Format name as registered, e.g. `ndjson`, `json-array`, `json-concat` (with `+gzip` when compressed). */
  readonly format: string;
  readonly bytes: Uint8Array;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  /** 1-based line number of each record's first byte. */
  readonly lines: Uint32Array;
  /** Byte offset of each record in the (decompressed) file. */
  readonly offsets: Float64Array;
  /** 1-based record number of the first record of this batch within its file. */
  readonly firstRecord: number;
}

/**
 * Lines of one text log file (W3C, CSV, syslog, auditd), framed but not parsed: `bytes.subarray(starts[i],
 * ends[i])` is record i (one line, or several for a CSV record with quoted newlines, or one octet-counted
 * syslog frame). The reading thread frames lines and tracks header directives; parsing happens where the
 * batch is decoded, by the line parser named `parser` (`src/sources/text/line-parsers.ts`). Every record of
 * a batch shares one `context`: a new batch starts when the header changes.
 */
export interface TextLinesBatch {
  readonly kind: 'text-lines';
  readonly path: string;
  /** Format name as registered, e.g. `w3c`, `syslog` (with `+gzip` when compressed). */
  readonly format: string;
  /** Name of the line parser that turns each record into an event. */
  readonly parser: string;
  /** Header state for these records: the W3C `#Fields:` names, the CSV header; empty when none. */
  readonly context: readonly string[];
  /**
   * Log class the events belong to (`w3c`, `syslog`, `auditd`, `exchange-httpproxy`, …), which picks the
   * rules that apply to them (`classes` in the logsource mapping); empty for events routed like JSON ones.
   */
  readonly eventClass: string;
  /** The file's modification time (ms since the epoch; 0 when unknown), for timestamps without a year. */
  readonly fileTime: number;
  readonly bytes: Uint8Array;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  /** 1-based line number of each record's first byte. */
  readonly lines: Uint32Array;
  /** Byte offset of each record in the (decompressed) file. */
  readonly offsets: Float64Array;
  /** 1-based record number of the first record of this batch within its file. */
  readonly firstRecord: number;
}

/**
 * Whole 64 KiB chunks of one EVTX file, copied into one fresh buffer: chunk i is
 * `bytes.subarray(chunkStarts[i], chunkStarts[i] + chunkLengths[i])` (shorter than 64 KiB only when the file
 * ends inside it). The reading thread only frames chunks; the BinXml is decoded where the batch is matched
 * (`src/sources/evtx/`), so `--threads` spreads chunks over cores.
 */
export interface EvtxChunkBatch {
  readonly kind: 'evtx-chunks';
  readonly path: string;
  /** Format name as registered: `evtx`. */
  readonly format: string;
  readonly bytes: Uint8Array;
  readonly chunkStarts: Uint32Array;
  readonly chunkLengths: Uint32Array;
  /** File offset of each chunk. */
  readonly chunkOffsets: Float64Array;
  /** 0-based number of each chunk in the file. */
  readonly chunkNumbers: Uint32Array;
}

/**
 * Every kind of batch a source can produce. Each kind has one decoder in `decode-batch.ts`; a batch must be
 * plain data (structured-cloneable) and keep its payload in `bytes`, whose buffer is transferred to the
 * worker that decodes it.
 */
export type RecordBatch = JsonTextBatch | TextLinesBatch | EvtxChunkBatch;

export type RecordBatchKind = RecordBatch['kind'];

export interface SourceOptions {
  /** Records longer than this are skipped (counted, reported) without being buffered. */
  readonly maxRecordBytes: number;
  /** Target size of one batch in bytes. */
  readonly batchBytes: number;
  readonly onIssue: (issue: Issue) => void;
  /**
   * Called with the number of bytes consumed from the file on disk, for progress: the running total for
   * this file (compressed bytes for gzip), after each read.
   */
  readonly onProgress?: (bytesRead: number) => void;
  /** When aborted, reading stops between chunks and the iterable ends quietly (no partial record). */
  readonly signal?: AbortSignal;
  /** Size of one read from disk (and of one decompressed chunk); default `DEFAULT_CHUNK_BYTES`. */
  readonly chunkBytes?: number;
}

export interface SourceDefinition {
  readonly name: string;
  readonly description: string;
  /** File name suffixes (lowercase, with dot) that suggest this format. */
  readonly extensions: readonly string[];
  /** True when the first bytes of a (decompressed) file look like this format. */
  readonly sniff: (head: Uint8Array) => boolean;
  /** Reads a file as batches. Never throws for bad content: bad records become issues. */
  readonly read: (path: string, options: SourceOptions) => AsyncIterable<RecordBatch>;
}

export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

export const DEFAULT_SOURCE_OPTIONS = {
  maxRecordBytes: 16 * 1024 * 1024,
  batchBytes: 256 * 1024,
} as const;
