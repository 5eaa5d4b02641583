/**
 * Recognises a W3C extended log from its first bytes: it starts with a directive (`#Software:`,
 * `#Version:`, `#Date:`, `#Fields:` …) and its `#Fields:` directive, when the head holds one, lists names
 * separated by spaces. Exchange's CSV logs start the same way but separate their field names with commas;
 * they belong to the `csv` source.
 */
import { fieldsDirective, headLines, startsWithKnownDirective } from '../text/directives.js';
import { utf8BomLength } from '../json/sniff.js';

/** How many header lines to look through for `#Fields:`. */
const HEADER_LINES = 16;

export function sniffW3c(head: Uint8Array): boolean {
  const lines = headLines(head, utf8BomLength(head), HEADER_LINES);
  if (lines.length === 0 || !startsWithKnownDirective(lines[0]!)) return false;
  const fields = fieldsDirective(lines);
  return fields === undefined || !isCommaSeparated(fields);
}

/** `DateTime,RequestId,…`: commas between names and no spaces. */
export function isCommaSeparated(fields: string): boolean {
  return fields.includes(',') && !/[ \t]/.test(fields);
}
