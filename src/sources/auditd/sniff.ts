/**
 * Recognises a Linux audit log from its first record line: `type=… msg=audit(…)`, possibly after a
 * `node=…` prefix (forwarded logs) or `ausearch`'s `----` and `time->…` lines.
 */
import { utf8BomLength } from '../json/sniff.js';
import { headLines } from '../text/directives.js';

const RECORD_START = /^(?:node=\S+ )?type=[A-Za-z0-9_]+ msg=audit\(/;

/** `ausearch` separates events with `----` and a `time->…` line: framing, not records. */
export function isAusearchFraming(line: string): boolean {
  return line.startsWith('----') || line.startsWith('time->');
}

export function sniffAuditd(head: Uint8Array): boolean {
  const from = utf8BomLength(head);
  let lines = headLines(head, from, 8);
  if (lines.length === 0) lines = [new TextDecoder().decode(head.subarray(from, Math.min(head.length, 512)))];
  const first = lines.find((line) => line.trim() !== '' && !isAusearchFraming(line));
  return first !== undefined && RECORD_START.test(first);
}
