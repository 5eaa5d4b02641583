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
 * Every kind of batch a source can produce. Each kind has one decoder in `decode-batch.ts`; a batch must be
 * plain data (structured-cloneable) and keep its payload in `bytes`, whose buffer is transferred to the
 * worker that decodes it.
 */
export type RecordBatch = JsonTextBatch;

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
