/**
 * Turns framed record bytes into values. Runs on the hot path (millions of records a second, possibly in a
 * worker thread): one UTF-8 decode and one `JSON.parse` per record, no closures or regexes except on the
 * error path. UTF-8 validity is checked once per batch, and per record only when the batch is not valid.
 *
 * Depth: `JSON.parse` is not recursive in V8 and copes with 100k levels of nesting, so nothing is bounded
 * here; code that walks a decoded value recursively (or `JSON.stringify`s it) must bound its own depth.
 */
import { isUtf8 } from 'node:buffer';
import type { Issue } from '../issues.js';
import { printableText, sourceIssue } from './issue-codes.js';
import type { JsonTextBatch } from './types.js';

export type JsonObject = Record<string, unknown>;

export type DecodeResult =
  | { readonly ok: true; readonly value: JsonObject; readonly warning?: Issue }
  | { readonly ok: false; readonly issue: Issue };

// A one-entry cache: records of a batch are decoded in a row, so the Buffer view and the batch-wide UTF-8
// check are made once per batch.
let cachedBatch: JsonTextBatch | undefined;
let cachedBuffer: Buffer = Buffer.alloc(0);
let cachedValid = true;

/**
 * Decodes record `i` of `batch`: `{ ok: true, value }` for a JSON object (with a `warning` when invalid
 * UTF-8 was replaced by U+FFFD), `{ ok: false, issue }` for invalid JSON (`json-parse-error`) or a value
 * that is not an object (`not-an-object`). Issues carry the file, line (and column when known), offset and
 * record number. Throws only for an index outside the batch (a programming error).
 */
export function decodeRecord(batch: JsonTextBatch, i: number): DecodeResult {
  if (batch !== cachedBatch) {
    const bytes = batch.bytes;
    cachedBuffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    cachedValid = isUtf8(bytes);
    cachedBatch = batch;
  }
  const start = batch.starts[i];
  const end = batch.ends[i];
  if (start === undefined || end === undefined) {
    throw new RangeError(`record index ${i} is outside the batch (${batch.starts.length} records)`);
  }
  const text = cachedBuffer.toString('utf8', start, end);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, issue: parseIssue(batch, i, text, error) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, issue: notObjectIssue(batch, i, value) };
  }
  if (!cachedValid && !isUtf8(batch.bytes.subarray(start, end))) {
    return { ok: true, value: value as JsonObject, warning: invalidUtf8Issue(batch, i) };
  }
  return { ok: true, value: value as JsonObject };
}

function parseIssue(batch: JsonTextBatch, i: number, text: string, error: unknown): Issue {
  const raw = error instanceof Error ? error.message : String(error);
  const line = batch.lines[i]!;
  const offset = batch.offsets[i]!;
  const record = batch.firstRecord + i;
  const position = errorPosition(raw, text);
  const utf8 =
    !cachedValid && !isUtf8(batch.bytes.subarray(batch.starts[i], batch.ends[i]))
      ? ' (the record also holds invalid UTF-8)'
      : '';
  const message = `invalid JSON: ${printableText(raw)}${utf8}`;
  if (position < 0 || position > text.length) {
    return sourceIssue('json-parse-error', 'error', message, { file: batch.path, line, offset, record });
  }
  // Point at the error inside a multi-line (pretty-printed) record.
  let errorLine = line;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < position; nl = text.indexOf('\n', nl + 1)) {
    errorLine++;
    lineStart = nl + 1;
  }
  return sourceIssue('json-parse-error', 'error', message, {
    file: batch.path,
    line: errorLine,
    column: position - lineStart + 1,
    offset: offset + Buffer.byteLength(text.slice(0, position)),
    record,
  });
}

/** V8 shows this many characters of context on each side of an unexpected token. */
const V8_CONTEXT = 10;

/**
 * Where in `text` JSON.parse failed, from V8's message (error path only): "… at position N", or the
 * context V8 quotes around an unexpected token; -1 when the message does not tell.
 */
function errorPosition(message: string, text: string): number {
  const at = /at position (\d+)/.exec(message);
  if (at !== null) return Number(at[1]);
  if (message.startsWith('Unexpected end of JSON input')) return text.length;
  const token = /^Unexpected token .*?, (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (token === null) return -1;
  const [, before, context = '', after] = token;
  if (before !== undefined) {
    // Context starts V8_CONTEXT characters before the token.
    const start = text.indexOf(context);
    return start < 0 ? -1 : start + V8_CONTEXT;
  }
  // Context from the start of the text, ending V8_CONTEXT characters after the token.
  if (after !== undefined) return context.length - V8_CONTEXT;
  return -1;
}

function notObjectIssue(batch: JsonTextBatch, i: number, value: unknown): Issue {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return sourceIssue('not-an-object', 'error', `the record is ${kind}, not a JSON object; skipped`, {
    file: batch.path,
    line: batch.lines[i]!,
    offset: batch.offsets[i]!,
    record: batch.firstRecord + i,
  });
}

function invalidUtf8Issue(batch: JsonTextBatch, i: number): Issue {
  return sourceIssue(
    'invalid-utf8',
    'warning',
    'the record holds bytes that are not valid UTF-8; they were replaced by U+FFFD and the record kept',
    { file: batch.path, line: batch.lines[i]!, offset: batch.offsets[i]!, record: batch.firstRecord + i },
  );
}
