/**
 * Linux audit log source (`/var/log/audit/audit.log`, RAW or ENRICHED, and `ausearch` output): one event per
 * record line, class `auditd`, which the default mapping gives to `product: linux, service: auditd` rules.
 */
import type { LineHandler, TextFormatSpec } from '../text/read-text.js';
import type { TextBatcher } from '../text/text-batcher.js';
import { isAusearchFraming } from './sniff.js';

export { auditdParser, parseAuditRecord } from './parse.js';
export { sniffAuditd, isAusearchFraming } from './sniff.js';
export { archName, syscallName } from './syscalls.js';

const decoder = new TextDecoder();

/** One record per non-blank line; `ausearch`'s `----` / `time->` lines are framing and skipped quietly. */
function auditLines(batcher: TextBatcher): LineHandler {
  return {
    line(bytes, start, end, line, offset) {
      let s = start;
      while (s < end && (bytes[s] === 0x20 || bytes[s] === 0x09)) s++;
      if (s === end) return;
      if (
        (bytes[s] === 0x2d || bytes[s] === 0x74) &&
        isAusearchFraming(decoder.decode(bytes.subarray(s, Math.min(end, s + 6))))
      )
        return;
      batcher.record(bytes, s, end, line, offset + (s - start));
    },
    end() {},
  };
}

export const auditdFormat: TextFormatSpec = {
  format: 'auditd',
  parser: 'auditd',
  eventClass: 'auditd',
  octetCounting: false,
  needsFileTime: false,
  createHandler: auditLines,
};
