/**
 * The issue codes that sources (file discovery, reading, framing, decoding) emit, in one place so the CLI
 * can document and count them. Every code names a place (file, and line/offset/record when known).
 */
import type { Issue, Location, Severity } from '../issues.js';

export const SOURCE_ISSUE_CODES = {
  'not-found': 'a path given (or a symlink found in a folder) points to nothing',
  unreadable: 'a file or folder could not be opened or listed (permissions, a directory given as a file, …)',
  'not-a-regular-file': 'a FIFO, socket or device found inside a folder; skipped (reading it could block)',
  'symlink-loop': 'a symlinked folder leads back to one of its ancestors; not followed again',
  'duplicate-path': 'the same file or folder was reached twice (two arguments, or a symlink); read once',
  'file-vanished': 'a file disappeared between discovery and reading',
  'read-error': 'reading failed part way through a file; records before the failure were delivered',
  'gzip-corrupt': 'the gzip stream is corrupt or truncated; records before the damage were delivered',
  'empty-file': 'a file is empty or holds only whitespace',
  'unknown-format': 'the content matches no supported input format',
  'unsupported-encoding':
    'the file is UTF-16 or UTF-32 (e.g. redirected from Windows PowerShell 5); save it as UTF-8',
  'record-too-large': 'a record is longer than maxRecordBytes; skipped without being buffered',
  'truncated-record': 'a record is cut off (end of file, or a new record starts before it closes); skipped',
  'skipped-data': 'bytes outside any record (garbage between records, or after the end of a JSON array)',
  'unterminated-array': 'a JSON array file ends without its closing `]` (the elements read were delivered)',
  'json-parse-error': 'a record is not valid JSON',
  'not-an-object': 'a record is valid JSON but not an object (an array, string, number, …)',
  'invalid-utf8': 'a record holds bytes that are not UTF-8; they were replaced by U+FFFD and the record kept',
  'no-field-names':
    'a W3C or CSV data line before any `#Fields:` directive or header (its field names are unknown); skipped',
  'field-count': 'a W3C or CSV line whose number of values differs from its header; skipped',
  'csv-unterminated-quote':
    'a CSV record whose quoted field never closes (at the end of the file, or after 100 lines); skipped',
  'syslog-no-timestamp': 'a syslog line without a readable timestamp; kept, with no timestamp',
  'syslog-bad-priority': 'a syslog `<PRI>` outside 0-191; the line is read as if it had none',
  'syslog-bad-octet-count':
    'an RFC 6587 octet count larger than maxRecordBytes, or not ending where a frame starts; framed by newline',
  'auditd-bad-record': 'a line that is not an audit record (`type=... msg=audit(...):`); skipped',
  'unknown-parser': 'a batch names a line parser this version does not have; its records are skipped',
} as const;

export type SourceIssueCode = keyof typeof SOURCE_ISSUE_CODES;

/**
 * Codes after which at least one record (or run of input) was not delivered: what `--stats-json` counts as
 * `skipped`. `invalid-utf8` is absent because the record is kept.
 */
export const SKIPPED_RECORD_CODES: ReadonlySet<string> = new Set<SourceIssueCode>([
  'read-error',
  'gzip-corrupt',
  'record-too-large',
  'truncated-record',
  'skipped-data',
  'json-parse-error',
  'not-an-object',
  'no-field-names',
  'field-count',
  'csv-unterminated-quote',
  'auditd-bad-record',
  'unknown-parser',
]);

export function sourceIssue(
  code: SourceIssueCode,
  severity: Severity,
  message: string,
  location: Location,
): Issue {
  return { code, severity, message, location };
}

/**
 * Shows bytes from an untrusted file in a message: printable ASCII as is, everything else as `\xNN`, cut to
 * `max` bytes so that a binary or huge record never floods a terminal.
 */
export function previewBytes(bytes: Uint8Array, max = 40): string {
  const n = Math.min(bytes.length, max);
  let text = '';
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    text +=
      b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${text}…` : text;
}

/** Escapes control characters in text that came from an untrusted file (e.g. a JSON.parse message). */
export function printableText(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // Error path only: a regex is fine here.
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}
