/**
 * Every line parser, by the name a `TextLinesBatch` carries in `parser`. An explicit registry, so a batch
 * decoded in a worker thread finds its parser without anything registering itself on import.
 */
import { auditdParser } from '../auditd/parse.js';
import { csvParser } from '../csv/parse.js';
import { syslogParser } from '../syslog/parse.js';
import { w3cParser } from '../w3c/parse.js';
import type { LineParser } from './line-parser.js';

export const lineParsers = {
  w3c: w3cParser,
  csv: csvParser,
  syslog: syslogParser,
  auditd: auditdParser,
} as const satisfies Record<string, LineParser>;

export type LineParserName = keyof typeof lineParsers;
