/**
 * Text log sources, shared machinery: line framing (`LineSplitter`), batches with header context
 * (`TextBatcher`), the reading loop (`readTextFile`), the line-parser registry and the batch decoder. The
 * formats themselves live in ../w3c, ../csv, ../syslog and ../auditd.
 */
export { readTextFile, recordPerLine } from './read-text.js';
export type { LineHandler, TextFormatSpec } from './read-text.js';
export { LineSplitter } from './line-splitter.js';
export type { LineSink, LineSplitterOptions } from './line-splitter.js';
export { TextBatcher } from './text-batcher.js';
export { lineParsers } from './line-parsers.js';
export type { LineParserName } from './line-parsers.js';
export type { LineParser, LineResult, LineProblem, RecordParser } from './line-parser.js';
export { decodeTextLines } from './decode-text.js';
