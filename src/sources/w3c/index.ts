/**
 * W3C extended log source (IIS, Exchange front ends, Windows Firewall): directives tracked in the reading
 * thread (`#Fields:` starts a new batch when it changes), lines parsed by `w3cParser` where batches are
 * decoded. Events have class `w3c`, which the default mapping gives to `category: webserver` rules.
 */
import type { LineHandler, TextFormatSpec } from '../text/read-text.js';
import type { TextBatcher } from '../text/text-batcher.js';
import { parseDirective } from '../text/directives.js';
import { splitFieldNames } from './parse.js';

export { w3cParser, splitFieldNames, splitW3cValues } from './parse.js';
export { sniffW3c, isCommaSeparated } from './sniff.js';

/** Every `#` line is a directive or a comment; `#Fields:` sets the names of the lines after it. */
function w3cLines(batcher: TextBatcher): LineHandler {
  return {
    line(bytes, start, end, line, offset) {
      let s = start;
      while (s < end && (bytes[s] === 0x20 || bytes[s] === 0x09)) s++;
      if (s === end) return;
      if (bytes[s] === 0x23) {
        const directive = parseDirective(bytes, s, end);
        if (directive !== undefined && directive.name.toLowerCase() === 'fields')
          batcher.setContext(splitFieldNames(directive.value));
        return;
      }
      batcher.record(bytes, s, end, line, offset + (s - start));
    },
    end() {},
  };
}

export const w3cFormat: TextFormatSpec = {
  format: 'w3c',
  parser: 'w3c',
  eventClass: 'w3c',
  octetCounting: false,
  needsFileTime: false,
  createHandler: w3cLines,
};
