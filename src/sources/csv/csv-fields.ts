/**
 * RFC 4180 field splitting: fields separated by commas, optionally enclosed in double quotes, a quote
 * inside a quoted field written twice, commas and newlines allowed inside quotes. Lenient where common
 * writers are sloppy (as Python's csv module is): a quote in the middle of an unquoted field is kept as a
 * character, and text after a closing quote is appended to the field.
 */

export type CsvSplit =
  | { readonly ok: true; readonly fields: string[] }
  /** A quoted field opened at `column` (1-based) never closes. */
  | { readonly ok: false; readonly column: number };

export function splitCsv(text: string): CsvSplit {
  const fields: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 0x22) {
      const open = i;
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) return { ok: false, column: open + 1 };
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 0x22) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      // Text between the closing quote and the next comma belongs to the field.
      const comma = text.indexOf(',', j);
      const stop = comma === -1 ? n : comma;
      value += text.slice(j, stop);
      fields.push(value);
      if (comma === -1) return { ok: true, fields };
      i = comma + 1;
      continue;
    }
    const comma = text.indexOf(',', i);
    if (comma === -1) {
      fields.push(text.slice(i));
      return { ok: true, fields };
    }
    fields.push(text.slice(i, comma));
    i = comma + 1;
  }
}

/** Number of `"` bytes in `bytes[start, end)`: a CSV record is complete when its count is even. */
export function countQuotes(bytes: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let i = bytes.indexOf(0x22, start); i !== -1 && i < end; i = bytes.indexOf(0x22, i + 1)) count++;
  return count;
}
