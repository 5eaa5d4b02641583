/** Reads every event of a JSON log file through the real source pipeline (framing + decoding). */
import { decodeRecord } from '../../src/sources/decode.js';
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
    for (let i = 0; i < batch.starts.length; i++) {
      const decoded = decodeRecord(batch, i);
      if (decoded.ok) events.push(decoded.value);
      else issues.push(decoded.issue);
    }
  }
  return events;
}
