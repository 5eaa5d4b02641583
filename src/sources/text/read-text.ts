/**
 * Reads one text log file (plain or gzip) as `TextLinesBatch`es: the reading-thread half of every text
 * source. It checks the encoding, skips a UTF-8 byte-order mark, splits lines (or octet-counted frames) and
 * hands each one to the format's line handler, which frames records and tracks header directives. Parsing is
 * left to the format's line parser, where the batch is decoded. Every problem becomes an issue; the iterable
 * never throws for bad content or I/O trouble with the file.
 */
import { stat } from 'node:fs/promises';
import { newChunkReadState, readFileChunks } from '../file-chunks.js';
import { sourceIssue } from '../issue-codes.js';
import { utf8BomLength, wideEncoding } from '../json/sniff.js';
import type { SourceOptions, TextLinesBatch } from '../types.js';
import { LineSplitter } from './line-splitter.js';
import type { LineParserName } from './line-parsers.js';
import { TextBatcher } from './text-batcher.js';

/** Sees every line of a file in order and decides what is a record, a directive or noise. */
export interface LineHandler {
  line(bytes: Uint8Array, start: number, end: number, line: number, offset: number): void;
  /** The input ended (`complete` when it was read to the end); commit or abandon any pending record. */
  end(complete: boolean): void;
}

/** How the reading thread handles one text format. */
export interface TextFormatSpec {
  /** Registry name, e.g. `w3c`; batches carry it (with `+gzip` for compressed files). */
  readonly format: string;
  readonly parser: LineParserName;
  /** Event class of the records unless the handler sets another (see `TextBatcher.setContext`). */
  readonly eventClass: string;
  /** Accept RFC 6587 octet-counted frames. */
  readonly octetCounting: boolean;
  /** The parser needs the file's modification time (RFC 3164 timestamps have no year). */
  readonly needsFileTime: boolean;
  readonly createHandler: (batcher: TextBatcher) => LineHandler;
}

/** A handler for formats where every non-blank line is one record (syslog, auditd). */
export function recordPerLine(batcher: TextBatcher): LineHandler {
  return {
    line(bytes, start, end, line, offset) {
      let s = start;
      while (s < end && (bytes[s] === 0x20 || bytes[s] === 0x09)) s++;
      if (s < end) batcher.record(bytes, s, end, line, offset + (s - start));
    },
    end() {},
  };
}

/** Bytes to collect before deciding on the encoding: enough for a BOM or a UTF-16/32 pattern. */
const HEAD_BYTES = 4;

export async function* readTextFile(
  path: string,
  options: SourceOptions,
  spec: TextFormatSpec,
): AsyncGenerator<TextLinesBatch, void, undefined> {
  const state = newChunkReadState();
  let fileTime = 0;
  if (spec.needsFileTime) {
    try {
      fileTime = (await stat(path)).mtimeMs;
    } catch {
      // Opening the file reports the problem; without a time the parser falls back to the current year.
    }
  }
  let reader: { splitter: LineSplitter; handler: LineHandler; batcher: TextBatcher } | undefined;
  const head: Buffer[] = [];
  let headBytes = 0;

  const start = (h: Buffer): typeof reader => {
    const wide = wideEncoding(h);
    if (wide !== undefined) {
      options.onIssue(
        sourceIssue(
          'unsupported-encoding',
          'error',
          `the file looks ${wide}-encoded; save it as UTF-8 (e.g. PowerShell: Out-File -Encoding utf8)`,
          { file: path },
        ),
      );
      return undefined;
    }
    const bom = utf8BomLength(h);
    const batcher = new TextBatcher({
      path,
      format: state.gzip ? `${spec.format}+gzip` : spec.format,
      parser: spec.parser,
      eventClass: spec.eventClass,
      fileTime,
      maxRecordBytes: options.maxRecordBytes,
      batchBytes: options.batchBytes,
      onIssue: options.onIssue,
    });
    const handler = spec.createHandler(batcher);
    const splitter = new LineSplitter(
      {
        line: (bytes, s, e, line, offset) => handler.line(bytes, s, e, line, offset),
        tooLong: (line, offset, size, unterminated) => batcher.tooLong(line, offset, size, unterminated),
        issue: (issue) => options.onIssue(issue),
      },
      {
        path,
        maxLineBytes: options.maxRecordBytes,
        octetCounting: spec.octetCounting,
        startOffset: bom,
      },
    );
    if (h.length > bom) splitter.push(h.subarray(bom));
    return { splitter, handler, batcher };
  };

  for await (const chunk of readFileChunks(path, options, state)) {
    if (reader === undefined) {
      if (headBytes === 0 && chunk.length >= HEAD_BYTES) {
        reader = start(chunk);
      } else {
        // The read buffer is reused: keep a copy until there is enough to look at.
        head.push(Buffer.from(chunk));
        headBytes += chunk.length;
        if (headBytes < HEAD_BYTES) continue;
        reader = start(Buffer.concat(head, headBytes));
        head.length = 0;
      }
      if (reader === undefined) return;
    } else {
      reader.splitter.push(chunk);
    }
    yield* reader.batcher.take();
  }
  if (state.aborted) return;
  if (reader === undefined) {
    if (headBytes === 0 && !state.complete) return; // nothing read; the reason was reported
    reader = start(Buffer.concat(head, headBytes));
    if (reader === undefined) return;
  }
  reader.splitter.end(state.complete);
  reader.handler.end(state.complete);
  reader.batcher.finish();
  yield* reader.batcher.take();
  if (state.complete && !reader.splitter.sawContent) {
    const message =
      state.bytes === 0 ? 'the file is empty' : `the file holds only whitespace (${state.bytes} bytes)`;
    options.onIssue(sourceIssue('empty-file', 'warning', message, { file: path }));
  }
}
