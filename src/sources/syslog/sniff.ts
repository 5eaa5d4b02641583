/**
 * Recognises syslog from its first lines: each starts with a `<PRI>` (possibly after an RFC 6587 octet
 * count), or with a BSD timestamp (`Mar  7 09:15:02 host`) or an RFC 3339 one (`2024-03-07T09:15:02.123+01:00
 * host`) followed by a host name. The first non-blank line must look so, and most of the first few lines.
 */
import { utf8BomLength } from '../json/sniff.js';
import { headLines } from '../text/directives.js';

const SAMPLE_LINES = 8;

const LINE_STARTS = [
  /^(?:[1-9]\d{0,9} )?<\d{1,3}>/,
  /^[A-Z][a-z]{2} [ \d]\d (?:\d{4} )?\d{2}:\d{2}:\d{2}(?:\.\d+)? \S/,
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}) \S/,
];

export function looksLikeSyslogLine(line: string): boolean {
  return LINE_STARTS.some((pattern) => pattern.test(line));
}

export function sniffSyslog(head: Uint8Array): boolean {
  let lines = headLines(head, utf8BomLength(head), SAMPLE_LINES).filter((line) => line.trim() !== '');
  if (lines.length === 0) {
    // One long line and no newline yet: judge it alone.
    lines = [new TextDecoder().decode(head.subarray(utf8BomLength(head), Math.min(head.length, 512)))];
  }
  if (!looksLikeSyslogLine(lines[0]!)) return false;
  const matching = lines.filter(looksLikeSyslogLine).length;
  return matching * 2 >= lines.length;
}
