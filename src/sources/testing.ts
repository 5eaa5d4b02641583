/**
 * Test support for sources: read a source to the end and flatten its batches into records with their
 * positions, collecting the issues. Used by the tests beside the sources (and handy in other stages' tests).
 */
import type { Issue } from '../issues.js';
import type { RecordBatch, SourceOptions } from './types.js';

export interface FramedRecord {
  readonly text: string;
  readonly line: number;
  readonly offset: number;
  readonly record: number;
  readonly format: string;
}

export interface Collected<B extends RecordBatch = RecordBatch> {
  readonly batches: B[];
  readonly records: FramedRecord[];
}

/** The framed records of a batch whose records are byte ranges (JSON text, text lines); none otherwise. */
export function recordsOf(batch: RecordBatch): FramedRecord[] {
  if (batch.kind !== 'json-text' && batch.kind !== 'text-lines') return [];
  const out: FramedRecord[] = [];
  const decoder = new TextDecoder();
  for (let i = 0; i < batch.starts.length; i++) {
    out.push({
      text: decoder.decode(batch.bytes.subarray(batch.starts[i], batch.ends[i])),
      line: batch.lines[i]!,
      offset: batch.offsets[i]!,
      record: batch.firstRecord + i,
      format: batch.format,
    });
  }
  return out;
}

export async function collect<B extends RecordBatch>(source: AsyncIterable<B>): Promise<Collected<B>> {
  const batches: B[] = [];
  const records: FramedRecord[] = [];
  for await (const batch of source) {
    batches.push(batch);
    records.push(...recordsOf(batch));
  }
  return { batches, records };
}

/** Source options that collect issues into `issues`. */
export function collectingOptions(overrides: Partial<SourceOptions> = {}): {
  options: SourceOptions;
  issues: Issue[];
} {
  const issues: Issue[] = [];
  const options: SourceOptions = {
    maxRecordBytes: 16 * 1024 * 1024,
    batchBytes: 256 * 1024,
    onIssue: (issue) => issues.push(issue),
    ...overrides,
  };
  return { options, issues };
}

/** `code@line` for each issue (line omitted when unknown): compact to assert on. */
export function issueKeys(issues: readonly Issue[]): string[] {
  return issues.map((issue) =>
    issue.location.line === undefined ? issue.code : `${issue.code}@${issue.location.line}`,
  );
}
