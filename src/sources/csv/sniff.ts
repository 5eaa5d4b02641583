/**
 * Recognises CSV from its first bytes, in two shapes:
 * - Exchange's logs: W3C-style directives (`#Software: Microsoft Exchange Server`, `#Log-type: …`) and a
 *   `#Fields:` directive whose names are separated by commas;
 * - a header line of column names (at least two, each short, starting with a letter or `_`, made of
 *   letters, digits, spaces and `_-.()/#@:` only) followed by records, at least two thirds of the complete
 *   ones in the head having as many fields as the header (one bad row does not hide a whole file; the
 *   reader reports it).
 * The second test is deliberately strict: prose and log lines also contain commas.
 */
import { utf8BomLength } from '../json/sniff.js';
import { fieldsDirective, headLines, startsWithKnownDirective } from '../text/directives.js';
import { isCommaSeparated } from '../w3c/sniff.js';
import { splitCsv } from './csv-fields.js';

const HEADER_LINES = 16;
/** Records checked against the header. */
const SAMPLE_RECORDS = 50;
const MAX_NAME_LENGTH = 64;
const NAME = /^[A-Za-z_][A-Za-z0-9 _\-.()/#@:]*$/;

export function sniffCsv(head: Uint8Array): boolean {
  const from = utf8BomLength(head);
  const top = headLines(head, from, HEADER_LINES);
  if (top.length > 0 && startsWithKnownDirective(top[0]!)) {
    const fields = fieldsDirective(top);
    return fields !== undefined && isCommaSeparated(fields);
  }
  return looksLikeHeaderAndRecords(new TextDecoder().decode(head.subarray(from)));
}

function looksLikeHeaderAndRecords(text: string): boolean {
  let pos = 0;
  while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  const headerEnd = text.indexOf('\n', pos);
  if (headerEnd === -1) return false;
  const header = splitCsv(text.slice(pos, headerEnd).replace(/\r$/, ''));
  if (!header.ok || header.fields.length < 2) return false;
  for (const name of header.fields) {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH || !NAME.test(trimmed)) return false;
  }
  let records = 0;
  let matching = 0;
  let start = headerEnd + 1;
  while (records < SAMPLE_RECORDS) {
    const end = recordEnd(text, start);
    if (end === -1) break;
    const line = text.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    if (line.trim() === '') continue;
    records++;
    const record = splitCsv(line);
    if (record.ok && record.fields.length === header.fields.length) matching++;
  }
  return matching > 0 && matching * 3 >= records * 2;
}

/** End (index of the `\n`) of the record starting at `start`, quotes respected; -1 if not complete. */
function recordEnd(text: string, start: number): number {
  let inQuote = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) inQuote = !inQuote;
    else if (c === 0x0a && !inQuote) return i;
  }
  return -1;
}
