/**
 * Decodes a `TextLinesBatch`: each record's bytes to text (UTF-8, invalid bytes replaced and reported), then
 * the batch's line parser turns it into an event. Runs wherever the batch is matched (possibly a worker
 * thread); problems become located issues, nothing throws for bad content.
 */
import { isUtf8 } from 'node:buffer';
import type { Issue, Location } from '../../issues.js';
import type { RecordSink } from '../decode-batch.js';
import { sourceIssue } from '../issue-codes.js';
import type { SourceIssueCode } from '../issue-codes.js';
import type { TextLinesBatch } from '../types.js';
import type { LineProblem, RecordParser } from './line-parser.js';
import { lineParsers } from './line-parsers.js';

export function decodeTextLines(batch: TextLinesBatch, sink: RecordSink): void {
  const count = batch.starts.length;
  const parser = Object.hasOwn(lineParsers, batch.parser)
    ? lineParsers[batch.parser as keyof typeof lineParsers]
    : undefined;
  if (parser === undefined) {
    for (let i = 0; i < count; i++) {
      sink.skipped(
        lineIssue(
          batch,
          i,
          {
            code: 'unknown-parser',
            message: `no line parser named "${batch.parser}" (format ${batch.format}); skipped`,
          },
          'error',
        ),
      );
    }
    return;
  }
  const parse: RecordParser = parser.forBatch(batch);
  const bytes = batch.bytes;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const valid = isUtf8(bytes);
  const eventClass = batch.eventClass === '' ? undefined : batch.eventClass;
  for (let i = 0; i < count; i++) {
    const start = batch.starts[i]!;
    const end = batch.ends[i]!;
    const text = buffer.toString('utf8', start, end);
    const result = parse(text);
    if (!result.ok) {
      sink.skipped(lineIssue(batch, i, result.problem, 'error'));
      continue;
    }
    if (!valid && !isUtf8(bytes.subarray(start, end))) {
      sink.warning(
        lineIssue(
          batch,
          i,
          {
            code: 'invalid-utf8',
            message:
              'the record holds bytes that are not valid UTF-8; they were replaced by U+FFFD and the record kept',
          },
          'warning',
        ),
      );
    }
    if (result.warning !== undefined) sink.warning(lineIssue(batch, i, result.warning, 'warning'));
    const line = batch.lines[i]!;
    sink.event(result.value, line, batch.firstRecord + i, batch.offsets[i]!, result.eventClass ?? eventClass);
  }
}

function lineIssue(
  batch: TextLinesBatch,
  i: number,
  problem: LineProblem | { readonly code: SourceIssueCode; readonly message: string },
  severity: 'error' | 'warning',
): Issue {
  const column = 'column' in problem ? problem.column : undefined;
  const location: Location = {
    file: batch.path,
    line: batch.lines[i]!,
    ...(column !== undefined ? { column } : {}),
    offset: batch.offsets[i]!,
    record: batch.firstRecord + i,
  };
  return sourceIssue(problem.code, severity, problem.message, location);
}
