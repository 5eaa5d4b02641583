/**
 * CSV records with a header: Exchange's logs (HttpProxy, message tracking, …; the header is their
 * `#Fields:` directive) and any CSV whose first line names the columns. The event maps each header name to
 * the record's value, as text (a CSV has no types). A header name that is empty becomes `columnN` and a
 * repeated one gets `_2`, `_3` … so no value is lost.
 *
 * @example
 *   header  DateTime,UrlStem,HttpStatus
 *   record  2021-03-02T23:41:18.123Z,/ecp/y.js,200
 *   → { DateTime: '2021-03-02T23:41:18.123Z', UrlStem: '/ecp/y.js', HttpStatus: '200' }
 */
import type { JsonObject } from '../decode.js';
import type { LineParser, LineResult } from '../text/line-parser.js';
import { setField } from '../text/line-parser.js';
import { splitCsv } from './csv-fields.js';

/** Unique, non-empty keys for the header's names, in order. */
export function eventKeys(header: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, index) => {
    const base = raw.trim() === '' ? `column${index + 1}` : raw;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}_${count}`;
  });
}

export const csvParser: LineParser = {
  description: 'CSV record (RFC 4180 quoting), named by the header line or #Fields: directive',
  forBatch(batch) {
    const keys = eventKeys(batch.context);
    return (text): LineResult => {
      if (keys.length === 0) {
        return {
          ok: false,
          problem: {
            code: 'no-field-names',
            message: 'a data line before the #Fields: directive: the column names are unknown; skipped',
          },
        };
      }
      const split = splitCsv(text);
      if (!split.ok) {
        const lines = text.split('\n').length;
        const firstLineEnd = text.indexOf('\n');
        const message = `a quoted field never closes${lines > 1 ? ` (the record was cut after ${lines} lines)` : ''}; skipped`;
        // A column only makes sense on the record's first line, where the location points.
        return firstLineEnd === -1 || split.column <= firstLineEnd
          ? { ok: false, problem: { code: 'csv-unterminated-quote', message, column: split.column } }
          : { ok: false, problem: { code: 'csv-unterminated-quote', message } };
      }
      const fields = split.fields;
      if (fields.length !== keys.length) {
        return {
          ok: false,
          problem: {
            code: 'field-count',
            message: `the record has ${fields.length} fields but the header names ${keys.length}; skipped`,
          },
        };
      }
      const event: JsonObject = {};
      for (let i = 0; i < keys.length; i++) setField(event, keys[i]!, fields[i]!);
      return { ok: true, value: event };
    };
  },
};
