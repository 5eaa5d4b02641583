/**
 * The input formats `hunt` reads, in one explicit registry, and the entry point that picks one per file:
 * by name (`--input-format`) or by sniffing the first bytes of the (decompressed) content. Gzip is handled
 * inside every source, detected by its magic bytes, never by the file name.
 *
 * @example
 *   for await (const batch of openSource('logs/', options)) … // sniffed
 *   for await (const batch of openSource('dump.txt', options, 'json-concat')) … // forced
 */
import type { Issue } from '../issues.js';
import { UsageError } from '../issues.js';
import { newChunkReadState, readFileChunks } from './file-chunks.js';
import { sourceIssue } from './issue-codes.js';
import { sniffEvtx } from './evtx/format.js';
import { readEvtxFile } from './evtx/read-evtx.js';
import { readJsonFile } from './json/read-json.js';
import { SNIFF_BYTES, sniffJson } from './json/sniff.js';
import { auditdFormat, sniffAuditd } from './auditd/index.js';
import { csvFormat, sniffCsv } from './csv/index.js';
import { sniffSyslog, syslogFormat } from './syslog/index.js';
import { readTextFile } from './text/read-text.js';
import { sniffW3c, w3cFormat } from './w3c/index.js';
import type { RecordBatch, SourceDefinition, SourceOptions } from './types.js';

export const sources = {
  evtx: {
    name: 'evtx',
    description: 'Windows XML Event Log files (.evtx), decoded to the JSON shape of evtx_dump',
    extensions: ['.evtx'],
    sniff: sniffEvtx,
    read: (path, options) => readEvtxFile(path, options),
  },
  json: {
    name: 'json',
    description: 'any JSON shape below, recognised from the content of each file',
    extensions: ['.json', '.jsonl', '.ndjson'],
    sniff: (head) => sniffJson(head).format !== undefined,
    read: (path, options) => readJsonFile(path, options, 'auto'),
  },
  ndjson: {
    name: 'ndjson',
    description: 'one JSON object per line (NDJSON / JSON Lines; CRLF accepted)',
    extensions: ['.ndjson', '.jsonl', '.json'],
    sniff: (head) => sniffJson(head).format === 'ndjson',
    read: (path, options) => readJsonFile(path, options, 'ndjson'),
  },
  'json-array': {
    name: 'json-array',
    description: 'one JSON array whose elements are the records',
    extensions: ['.json'],
    sniff: (head) => sniffJson(head).format === 'json-array',
    read: (path, options) => readJsonFile(path, options, 'json-array'),
  },
  'json-concat': {
    name: 'json-concat',
    description: 'JSON objects one after another, pretty-printed or not (evtx_dump output)',
    extensions: ['.json'],
    sniff: (head) => sniffJson(head).format === 'json-concat',
    read: (path, options) => readJsonFile(path, options, 'json-concat'),
  },
  w3c: {
    name: 'w3c',
    description:
      'W3C extended log (IIS, Exchange front ends, Windows Firewall): #Fields: directive, space-separated values',
    extensions: ['.log'],
    sniff: sniffW3c,
    read: (path, options) => readTextFile(path, options, w3cFormat),
  },
  csv: {
    name: 'csv',
    description: "CSV with a header line, and Exchange's CSV logs (HttpProxy, message tracking, …)",
    extensions: ['.csv', '.log'],
    sniff: sniffCsv,
    read: (path, options) => readTextFile(path, options, csvFormat),
  },
  syslog: {
    name: 'syslog',
    description: 'syslog: RFC 5424 and RFC 3164 (BSD) lines, newline-framed or octet-counted (RFC 6587)',
    extensions: ['.log'],
    sniff: sniffSyslog,
    read: (path, options) => readTextFile(path, options, syslogFormat),
  },
  auditd: {
    name: 'auditd',
    description: 'Linux audit log (audit.log, RAW or ENRICHED, and ausearch output): type=… msg=audit(…): …',
    extensions: ['.log'],
    sniff: sniffAuditd,
    read: (path, options) => readTextFile(path, options, auditdFormat),
  },
} as const satisfies Record<string, SourceDefinition>;

export type SourceName = keyof typeof sources;

/** The formats detection tries, most specific first. `json` is the auto-detecting reader, not a format. */
const DETECTION_ORDER: readonly SourceName[] = [
  'evtx',
  'json-array',
  'ndjson',
  'w3c',
  'auditd',
  'syslog',
  // After the text formats: text above a `{` line is also a json-concat shape (a title above objects).
  'json-concat',
  // Last: a header line and records is the loosest shape.
  'csv',
];

export function sourceNames(): SourceName[] {
  return Object.keys(sources) as SourceName[];
}

export function isSourceName(name: string): name is SourceName {
  return Object.prototype.hasOwnProperty.call(sources, name);
}

/** The source registered as `name`; a `UsageError` listing the names when there is none. */
export function getSource(name: string): SourceDefinition {
  if (!isSourceName(name)) {
    throw new UsageError(`unknown input format "${name}"; choose one of: ${sourceNames().join(', ')}`);
  }
  return sources[name];
}

export type DetectResult =
  | { readonly ok: true; readonly format: SourceName; readonly gzip: boolean }
  | { readonly ok: false; readonly issue: Issue };

/**
 * Reads the first bytes of a file (gunzipped when it is gzip) and names the format they look like. When
 * the file cannot be read or matches no format, the result carries the issue (`file-vanished`,
 * `unreadable`, `empty-file`, `unsupported-encoding`, `unknown-format`, …) instead; nothing is thrown.
 */
export async function detectFormat(
  path: string,
  options: { readonly signal?: AbortSignal } = {},
): Promise<DetectResult> {
  let firstIssue: Issue | undefined;
  const state = newChunkReadState();
  const parts: Buffer[] = [];
  let size = 0;
  const chunkOptions = {
    chunkBytes: SNIFF_BYTES,
    onIssue: (issue: Issue) => {
      firstIssue ??= issue;
    },
    ...(options.signal ? { signal: options.signal } : {}),
  };
  for await (const chunk of readFileChunks(path, chunkOptions, state)) {
    parts.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= SNIFF_BYTES) break;
  }
  const head = Buffer.concat(parts, size);
  // A damaged gzip stream still gets its readable start sniffed; the reader reports the damage.
  if (firstIssue !== undefined && size === 0) return { ok: false, issue: firstIssue };
  for (const name of DETECTION_ORDER) {
    if (sources[name].sniff(head)) return { ok: true, format: name, gzip: state.gzip };
  }
  const sniffed = sniffJson(head);
  if (sniffed.format !== undefined) return { ok: true, format: sniffed.format, gzip: state.gzip };
  const severity = sniffed.code === 'empty-file' ? 'warning' : 'error';
  return { ok: false, issue: sourceIssue(sniffed.code, severity, sniffed.reason, { file: path }) };
}

/**
 * Reads one file as batches. With `format` (a registry name, e.g. from `--input-format`) that source is
 * used; without it (or with `auto`) the format is detected from the content. Throws `UsageError` at once
 * for an unknown format name; everything that goes wrong with the file itself becomes an issue through
 * `options.onIssue`, and the iterable never throws for it.
 */
export function openSource(
  path: string,
  options: SourceOptions,
  format?: string,
): AsyncIterable<RecordBatch> {
  if (format !== undefined && format !== 'auto') return getSource(format).read(path, options);
  return readDetected(path, options);
}

async function* readDetected(
  path: string,
  options: SourceOptions,
): AsyncGenerator<RecordBatch, void, undefined> {
  const detected = await detectFormat(path, options.signal ? { signal: options.signal } : {});
  if (!detected.ok) {
    options.onIssue(detected.issue);
    return;
  }
  yield* sources[detected.format].read(path, options);
}
