/**
 * CSV source: Exchange's CSV logs (HttpProxy, message tracking, …, with W3C-style directives) and any CSV
 * with a header line. Events of Exchange logs have class `exchange-<log type>` (e.g. `exchange-httpproxy`,
 * which the default mapping gives to `category: webserver` rules with renamed fields); events of other
 * CSV files have none and are routed like JSON events (by `Channel` if they have one).
 */
import type { TextFormatSpec } from '../text/read-text.js';
import { csvLines } from './framing.js';

export { csvParser, eventKeys } from './parse.js';
export { splitCsv, countQuotes } from './csv-fields.js';
export { sniffCsv } from './sniff.js';
export { exchangeEventClass, MAX_RECORD_LINES } from './framing.js';

export const csvFormat: TextFormatSpec = {
  format: 'csv',
  parser: 'csv',
  eventClass: '',
  octetCounting: false,
  needsFileTime: false,
  createHandler: csvLines,
};
