/** Reads every event of a log file (any supported format) through the real source pipeline (framing + decoding). */
import { decodeBatch } from '../../src/sources/decode-batch.js';
import { openSource } from '../../src/sources/registry.js';
import type { Issue } from '../../src/issues.js';

export async function readJsonEvents(path: string, issues: Issue[] = []): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = [];
  const options = {
    maxRecordBytes: 16 * 1024 * 1024,
    batchBytes: 256 * 1024,
    onIssue: (issue: Issue) => issues.push(issue),
  };
  for await (const batch of openSource(path, options)) {
    decodeBatch(batch, {
      event: (value) => events.push(value),
      skipped: (issue) => issues.push(issue),
      warning: () => undefined,
    });
  }
  return events;
}
