/**
 * The reading-thread half of the CSV source: finds the header (Exchange's `#Fields:` directive, or the first
 * line of a plain CSV), picks the event class from Exchange's `#Log-type:`, and frames records, joining the
 * lines of a record whose quoted field holds newlines (RFC 4180). A quote that does not close within
 * `MAX_RECORD_LINES` lines is taken as a stray: the record is cut there (and reported when parsed) so one
 * bad quote cannot swallow the rest of the file.
 */
import type { LineHandler } from '../text/read-text.js';
import type { TextBatcher } from '../text/text-batcher.js';
import { parseDirective, startsWithKnownDirective } from '../text/directives.js';
import { truncatedIssue } from '../json/framer.js';
import { countQuotes, splitCsv } from './csv-fields.js';

export const MAX_RECORD_LINES = 100;

const NEWLINE = new Uint8Array([0x0a]);
const decoder = new TextDecoder();

/**
 * The event class of an Exchange CSV log, from its `#Log-type:` directive: `HttpProxy Logs` →
 * `exchange-httpproxy`, `Message Tracking Log` → `exchange-message-tracking`.
 */
export function exchangeEventClass(logType: string | undefined): string {
  if (logType === undefined) return 'exchange';
  const slug = logType
    .toLowerCase()
    .replace(/\blogs?\b/g, ' ')
    .trim()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return slug === '' ? 'exchange' : `exchange-${slug}`;
}

/** Header names from the text of a header line (a stray quote: split on commas as they are). */
function headerNames(text: string): string[] {
  const split = splitCsv(text);
  return split.ok ? split.fields : text.split(',');
}

export function csvLines(batcher: TextBatcher): LineHandler {
  let started = false;
  let directives = false;
  let exchange = false;
  let logType: string | undefined;
  let haveHeader = false;
  /** Quotes seen so far in a record that spans lines; odd while a quoted field is open. */
  let quotes = 0;
  let recordLines = 0;

  return {
    line(bytes, start, end, line, offset) {
      if (batcher.inRecord) {
        batcher.append(NEWLINE, 0, 1);
        batcher.append(bytes, start, end);
        quotes += countQuotes(bytes, start, end);
        recordLines++;
        if (quotes % 2 === 0 || recordLines >= MAX_RECORD_LINES) batcher.commit();
        return;
      }
      let s = start;
      while (s < end && (bytes[s] === 0x20 || bytes[s] === 0x09)) s++;
      if (s === end) return;
      if (!started) {
        started = true;
        directives = bytes[s] === 0x23 && startsWithKnownDirective(decoder.decode(bytes.subarray(s, end)));
      }
      if (directives && bytes[s] === 0x23) {
        const directive = parseDirective(bytes, s, end);
        const name = directive?.name.toLowerCase();
        if (name === 'software' && /exchange/i.test(directive!.value)) exchange = true;
        else if (name === 'log-type') logType = directive!.value;
        else if (name === 'fields') {
          haveHeader = true;
          batcher.setContext(headerNames(directive!.value), exchange ? exchangeEventClass(logType) : '');
        }
        return;
      }
      if (!directives && !haveHeader) {
        haveHeader = true;
        batcher.setContext(headerNames(decoder.decode(bytes.subarray(s, end))), '');
        return;
      }
      const count = countQuotes(bytes, s, end);
      if (count % 2 === 0) {
        batcher.record(bytes, s, end, line, offset + (s - start));
        return;
      }
      batcher.begin(line, offset + (s - start));
      batcher.append(bytes, s, end);
      quotes = count;
      recordLines = 1;
    },
    end(complete) {
      if (!batcher.inRecord) return;
      // Committed as is: the parser reports the unclosed quote with the record's place.
      if (complete) {
        batcher.commit();
        return;
      }
      const dropped = batcher.abandon();
      if (dropped !== undefined && !dropped.tooLarge)
        batcher.report(truncatedIssue(batcher.path, dropped, 'the input ended early'));
    },
  };
}
