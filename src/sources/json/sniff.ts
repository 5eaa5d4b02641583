/**
 * Tells the JSON shapes apart from the first bytes of a (decompressed) file:
 * - `[` first → `json-array`;
 * - `{` first and the first line holds one complete value (or is longer than the head) → `ndjson`;
 * - `{` first otherwise (a pretty-printed object, or several values on one line) → `json-concat`, as is
 *   `Record 1` first (evtx_dump's record headers) or a few lines of text above a `{` at the start of a
 *   line (a title or comment; the concatenated framer reports it as skipped and reads the rest).
 * Anything else is not JSON, and the result says why (empty, UTF-16/32, or unknown) for the issue.
 */
import { previewBytes } from '../issue-codes.js';

export type JsonFormatName = 'ndjson' | 'json-array' | 'json-concat';

/** How many leading bytes detection looks at. A first line longer than this is taken for NDJSON. */
export const SNIFF_BYTES = 64 * 1024;

export type SniffResult =
  | { readonly format: JsonFormatName; readonly bomLength: number }
  | {
      readonly format: undefined;
      readonly code: 'empty-file' | 'unsupported-encoding' | 'unknown-format';
      readonly reason: string;
    };

const RECORD_HEADER = [0x52, 0x65, 0x63, 0x6f, 0x72, 0x64, 0x20]; // "Record "

export function utf8BomLength(head: Uint8Array): number {
  return head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
}

/** Names the wide encoding when `head` looks like UTF-16/UTF-32 (with or without a byte-order mark). */
export function wideEncoding(head: Uint8Array): string | undefined {
  const [a, b, c, d] = head;
  if (a === 0xff && b === 0xfe) return c === 0 && d === 0 ? 'UTF-32LE' : 'UTF-16LE';
  if (a === 0xfe && b === 0xff) return 'UTF-16BE';
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'UTF-32BE';
  if (head.length >= 4 && a !== 0 && b === 0 && d === 0) return c === 0 ? 'UTF-32LE' : 'UTF-16LE';
  if (head.length >= 4 && a === 0 && c === 0 && b !== 0) return 'UTF-16BE';
  return undefined;
}

export function sniffJson(head: Uint8Array): SniffResult {
  const wide = wideEncoding(head);
  if (wide !== undefined) {
    return {
      format: undefined,
      code: 'unsupported-encoding',
      reason: `the file looks ${wide}-encoded; save it as UTF-8 (e.g. PowerShell: Out-File -Encoding utf8)`,
    };
  }
  const bomLength = utf8BomLength(head);
  const n = head.length;
  let i = bomLength;
  while (i < n && isWhitespace(head[i]!)) i++;
  if (i === n) {
    return {
      format: undefined,
      code: 'empty-file',
      reason: n === 0 ? 'the file is empty' : `the file holds only whitespace (${n} bytes)`,
    };
  }
  const first = head[i]!;
  if (first === 0x5b) return { format: 'json-array', bomLength };
  if (first === 0x7b) return { format: firstLineShape(head, i), bomLength };
  if (startsWithRecordHeader(head, i)) return { format: 'json-concat', bomLength };
  if (textThenObject(head, i)) return { format: 'json-concat', bomLength };
  return {
    format: undefined,
    code: 'unknown-format',
    reason: `not JSON: the content starts with "${previewBytes(head.subarray(i), 24)}"`,
  };
}

function firstLineShape(head: Uint8Array, from: number): JsonFormatName {
  const n = head.length;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = from; i < n; i++) {
    const c = head[i]!;
    if (c === 0x0a) return 'json-concat';
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) {
      let j = i + 1;
      while (j < n && (head[j] === 0x20 || head[j] === 0x09 || head[j] === 0x0d)) j++;
      return j === n || head[j] === 0x0a ? 'ndjson' : 'json-concat';
    }
  }
  // The first line does not end within the head: a long line, which only NDJSON (or one compact
  // document, which the NDJSON framer reads just as well) produces.
  return 'ndjson';
}

/** How much text (a title or comment block) may precede the first object of a concatenated file. */
const MAX_PREAMBLE = 4096;

/**
 * A few lines of text and then a `{` at the start of a line: a header above JSON objects. Text means no
 * control bytes, which keeps binary files (where a `\n{` pair turns up by chance) out.
 */
function textThenObject(head: Uint8Array, from: number): boolean {
  const end = Math.min(head.length - 1, from + MAX_PREAMBLE);
  for (let i = from; i < end; i++) {
    const c = head[i]!;
    if (c === 0x0a) {
      if (head[i + 1] === 0x7b) return true;
    } else if ((c < 0x20 && c !== 0x09 && c !== 0x0d) || c === 0x7f) {
      return false;
    }
  }
  return false;
}

function startsWithRecordHeader(head: Uint8Array, at: number): boolean {
  for (let k = 0; k < RECORD_HEADER.length; k++) if (head[at + k] !== RECORD_HEADER[k]) return false;
  const digit = head[at + RECORD_HEADER.length];
  return digit !== undefined && digit >= 0x30 && digit <= 0x39;
}

export function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
