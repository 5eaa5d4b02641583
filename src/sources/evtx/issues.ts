/** Issue codes of the EVTX reader, each with a place: file, file offset, and record id when known. */
import type { Issue, Severity } from '../../issues.js';

export const EVTX_ISSUE_CODES = {
  'evtx-bad-file-header':
    'the file header is missing, damaged or inconsistent (dirty flag, chunk count lower than the chunks found); chunks are found by scanning the file',
  'evtx-bad-chunk': 'a 64 KiB chunk has no valid header; its records are skipped',
  'evtx-truncated-chunk':
    'the file ends inside a chunk (a partly written or cut copy); the records there are read',
  'evtx-checksum':
    'a chunk header or record-data CRC32 does not match; records are still read and checked one by one',
  'evtx-bad-record':
    'a record has a broken frame or BinXml (loops, offsets outside the chunk, absurd sizes); skipped',
  'evtx-bad-value':
    'a value could not be decoded as its type (e.g. invalid UTF-16, replaced by U+FFFD); record kept',
} as const;

export type EvtxIssueCode = keyof typeof EVTX_ISSUE_CODES;

/** Codes after which at least one record (or a whole chunk) was not delivered. */
export const EVTX_SKIPPED_CODES: ReadonlySet<string> = new Set<EvtxIssueCode>([
  'evtx-bad-chunk',
  'evtx-bad-record',
]);

export function evtxIssue(
  code: EvtxIssueCode,
  severity: Severity,
  message: string,
  file: string,
  offset: number,
  record?: number,
): Issue {
  return {
    code,
    severity,
    message,
    location: record === undefined ? { file, offset } : { file, offset, record },
  };
}
