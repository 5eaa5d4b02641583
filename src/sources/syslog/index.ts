/**
 * Syslog source: files written by rsyslog, syslog-ng or journald (`/var/log/syslog`, `auth.log`, `messages`,
 * `secure`), and raw RFC 5424 / RFC 3164 messages as received, newline-framed or RFC 6587 octet-counted.
 * Events have class `syslog`; Sysmon for Linux events inside it get class `sysmon-linux` and the shape of
 * Windows Sysmon events. BSD timestamps take their year from the file's modification time.
 */
import type { TextFormatSpec } from '../text/read-text.js';
import { recordPerLine } from '../text/read-text.js';

export { syslogParser, parseSyslog, FACILITIES, SEVERITIES, readStructuredData } from './parse.js';
export { sniffSyslog, looksLikeSyslogLine } from './sniff.js';
export { readBsdTimestamp, rfc3339ToIso } from './timestamps.js';
export { parseSysmonEvent } from './sysmon-xml.js';

export const syslogFormat: TextFormatSpec = {
  format: 'syslog',
  parser: 'syslog',
  eventClass: 'syslog',
  octetCounting: true,
  needsFileTime: true,
  createHandler: recordPerLine,
};
