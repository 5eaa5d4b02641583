/**
 * EVTX (Windows XML Event Log) reading, in TypeScript: framing in `read-evtx.ts`, the container in
 * `format.ts`, BinXml in `binxml.ts`, output in `render-json.ts` (evtx_dump's JSON) and `render-xml.ts`.
 *
 * @example
 *   const result = await decodeEvtxFile('Security.evtx', 'json', (event) => console.log(event), console.error);
 */
import type { Issue } from '../../issues.js';
import { DEFAULT_SOURCE_OPTIONS } from '../types.js';
import type { EvtxOutput } from './chunk.js';
import { forEachChunk } from './decode-evtx.js';
import { EVTX_SKIPPED_CODES } from './issues.js';
import type { EvtxReadSummary } from './read-evtx.js';
import { readEvtxFile } from './read-evtx.js';

export { decodeEvtxBatch } from './decode-evtx.js';
export { EVTX_ISSUE_CODES, EVTX_SKIPPED_CODES } from './issues.js';
export { isEvtxMagic } from './format.js';
export { readEvtxFile } from './read-evtx.js';
export type { EvtxOutput } from './chunk.js';

export interface EvtxFileResult {
  readonly records: number;
  readonly skipped: number;
  readonly chunks: number;
  /** The file was opened and its chunks read (even if some records were skipped). */
  readonly readable: boolean;
}

/**
 * Decodes every record of an EVTX file in file order, calling `onRecord` with the JSON object (or XML text)
 * and the record's id and file offset. Problems go to `onIssue`; nothing is thrown for bad content.
 */
export async function decodeEvtxFile(
  path: string,
  output: EvtxOutput,
  onRecord: (value: unknown, recordId: number, fileOffset: number) => void,
  onIssue: (issue: Issue) => void,
  options: {
    readonly signal?: AbortSignal;
    /** Awaited after each batch of chunks: lets a slow consumer (a pipe) hold the reading back. */
    readonly afterBatch?: () => Promise<void>;
  } = {},
): Promise<EvtxFileResult> {
  let records = 0;
  let skipped = 0;
  const summary: EvtxReadSummary = { chunks: 0, emptyChunks: 0, headerChunkCount: 0, opened: false };
  const sourceOptions = {
    ...DEFAULT_SOURCE_OPTIONS,
    onIssue: (issue: Issue) => {
      if (EVTX_SKIPPED_CODES.has(issue.code)) skipped++;
      onIssue(issue);
    },
    ...(options.signal ? { signal: options.signal } : {}),
  };
  for await (const batch of readEvtxFile(path, sourceOptions, summary)) {
    forEachChunk(batch, output, {
      record(value, recordId, fileOffset) {
        records++;
        onRecord(value, recordId, fileOffset);
      },
      issue(issue, isSkip) {
        if (isSkip) skipped++;
        onIssue(issue);
      },
    });
    if (options.afterBatch) await options.afterBatch();
  }
  return { records, skipped, chunks: summary.chunks, readable: summary.opened };
}
