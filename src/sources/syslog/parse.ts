/**
 * Syslog lines (RFC 5424 and RFC 3164, as received on the wire or as written to /var/log by rsyslog,
 * syslog-ng and journald) into events with these fields, each present only when the line has it:
 *
 * | field             | from                                                                             |
 * | ----------------- | -------------------------------------------------------------------------------- |
 * | `priority`        | `<PRI>` (number)                                                                 |
 * | `facility`        | PRI / 8, by name: `kern`, `user`, `mail`, `daemon`, `auth`, `syslog`, … `local7` |
 * | `severity`        | PRI % 8, by name: `emerg`, `alert`, `crit`, `err`, `warning`, `notice`, `info`, `debug` |
 * | `version`         | RFC 5424 VERSION (number)                                                        |
 * | `timestamp`       | ISO 8601 UTC; BSD times get their year inferred (see `timestamps.ts`)            |
 * | `hostname`        | HOSTNAME                                                                         |
 * | `program`         | RFC 3164 TAG / RFC 5424 APP-NAME (`sshd` in `sshd[812]:`)                        |
 * | `pid`             | the `[812]` of the tag / PROCID (number when numeric)                            |
 * | `msgid`           | RFC 5424 MSGID                                                                   |
 * | `structured_data` | RFC 5424 SD: `{ "id@pen": { "param": "value" } }`                                 |
 * | `message`         | MSG (an RFC 5424 UTF-8 BOM removed)                                              |
 *
 * RFC 5424 nil values (`-`) leave the field out. A line without a readable timestamp is kept (its message
 * may matter) with a `syslog-no-timestamp` warning.
 */
import type { JsonObject } from '../decode.js';
import type { LineParser, LineProblem, LineResult } from '../text/line-parser.js';
import { setField } from '../text/line-parser.js';
import { parseSysmonEvent } from './sysmon-xml.js';
import type { YearCache } from './timestamps.js';
import { readBsdTimestamp, rfc3339ToIso } from './timestamps.js';

export const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

const NO_TIMESTAMP: LineProblem = {
  code: 'syslog-no-timestamp',
  message: 'no readable timestamp at the start of the line; the event is kept without one',
};

interface Header {
  priority?: number;
  warning?: LineProblem;
}

/** Reads `<PRI>`; returns the position after it (0 when there is none). */
function readPriority(text: string, header: Header): number {
  if (text.charCodeAt(0) !== 0x3c) return 0;
  const close = text.indexOf('>', 1);
  if (close < 2 || close > 4) return 0;
  const digits = text.slice(1, close);
  if (!/^\d+$/.test(digits)) return 0;
  const value = Number(digits);
  if (value > 191 || (digits.length > 1 && digits[0] === '0')) {
    header.warning = {
      code: 'syslog-bad-priority',
      message: `<${digits}> is not a valid priority (0-191, no leading zeros); the line is read without it`,
      column: 1,
    };
    return close + 1;
  }
  header.priority = value;
  return close + 1;
}

function nextToken(text: string, from: number): { token: string; end: number } {
  const space = text.indexOf(' ', from);
  const end = space === -1 ? text.length : space;
  return { token: text.slice(from, end), end };
}

function numberOrText(text: string): number | string {
  return /^\d{1,15}$/.test(text) ? Number(text) : text;
}

/**
 * RFC 5424 structured data at `from`: `-` or `[id param="value" …]…`. Returns the elements and the position
 * after them, or undefined when it is malformed (the caller then keeps the text in the message).
 */
export function readStructuredData(
  text: string,
  from: number,
): { data: Record<string, Record<string, string>> | undefined; end: number } | undefined {
  if (text.charCodeAt(from) === 0x2d) return { data: undefined, end: from + 1 };
  const data = Object.create(null) as Record<string, Record<string, string>>;
  let i = from;
  if (text.charCodeAt(i) !== 0x5b) return undefined;
  while (text.charCodeAt(i) === 0x5b) {
    let j = i + 1;
    while (j < text.length && !' =]"'.includes(text[j]!)) j++;
    const id = text.slice(i + 1, j);
    if (id === '') return undefined;
    const params = Object.create(null) as Record<string, string>;
    while (text.charCodeAt(j) === 0x20) {
      let k = j + 1;
      while (k < text.length && !' =]"'.includes(text[k]!)) k++;
      const name = text.slice(j + 1, k);
      if (name === '' || text.charCodeAt(k) !== 0x3d || text.charCodeAt(k + 1) !== 0x22) return undefined;
      let value = '';
      let m = k + 2;
      for (;;) {
        if (m >= text.length) return undefined;
        const c = text[m]!;
        if (c === '\\' && m + 1 < text.length && '"\\]'.includes(text[m + 1]!)) {
          value += text[m + 1];
          m += 2;
        } else if (c === '"') {
          break;
        } else {
          value += c;
          m++;
        }
      }
      params[name] = value;
      j = m + 1;
    }
    if (text.charCodeAt(j) !== 0x5d) return undefined;
    data[id] = params;
    i = j + 1;
  }
  return { data: toPlain(data), end: i };
}

/** Plain objects (events must be ordinary JSON values), written so that `__proto__` stays a key. */
function toPlain(data: Record<string, Record<string, string>>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const id of Object.keys(data)) {
    const params: Record<string, string> = {};
    for (const name of Object.keys(data[id]!)) setField(params, name, data[id]![name]);
    setField(out, id, params);
  }
  return out;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function parse5424(text: string, from: number, event: JsonObject): LineProblem | undefined {
  // VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
  const version = nextToken(text, from);
  event['version'] = Number(version.token);
  const stamp = nextToken(text, version.end + 1);
  let warning: LineProblem | undefined;
  if (stamp.token === '-') warning = NO_TIMESTAMP;
  else {
    const iso = rfc3339ToIso(stamp.token);
    if (iso === undefined)
      warning = {
        code: 'syslog-no-timestamp',
        message: `"${stamp.token.slice(0, 40)}" is not an RFC 3339 timestamp; the event is kept without one`,
      };
    else event['timestamp'] = iso;
  }
  let pos = stamp.end + 1;
  const names = ['hostname', 'program', 'pid', 'msgid'] as const;
  for (const name of names) {
    if (pos > text.length) return warning;
    const { token, end } = nextToken(text, pos);
    if (token !== '-' && token !== '') event[name] = name === 'pid' ? numberOrText(token) : token;
    pos = end + 1;
  }
  if (pos > text.length) return warning;
  const sd = readStructuredData(text, pos);
  if (sd === undefined) {
    event['message'] = stripBom(text.slice(pos));
    return warning;
  }
  if (sd.data !== undefined) event['structured_data'] = sd.data;
  if (sd.end < text.length)
    event['message'] = stripBom(text.slice(sd.end + (text.charCodeAt(sd.end) === 0x20 ? 1 : 0)));
  return warning;
}

/** `program[pid]:` or `program:` at `from`; the program has no spaces, brackets, colons or parentheses. */
const TAG = /^([^\s[\]:()]{1,64})(?:\[([^\]\s]{1,32})\])?: ?/;

function parse3164(
  text: string,
  from: number,
  referenceMs: number,
  years: YearCache | undefined,
  event: JsonObject,
): LineProblem | undefined {
  let pos = from;
  let warning: LineProblem | undefined;
  const rest = text.slice(pos);
  const iso3339 = /^\d{4}-\d{2}-\d{2}T\S+(?= |$)/.exec(rest);
  let haveTime = false;
  if (iso3339 !== null) {
    const iso = rfc3339ToIso(iso3339[0]);
    if (iso !== undefined) {
      event['timestamp'] = iso;
      pos += iso3339[0].length;
      haveTime = true;
    }
  } else {
    const bsd = readBsdTimestamp(rest, referenceMs, years);
    if (bsd !== undefined) {
      event['timestamp'] = bsd.iso;
      pos += bsd.length;
      haveTime = true;
    }
  }
  if (!haveTime) warning = NO_TIMESTAMP;
  else {
    if (text.charCodeAt(pos) === 0x20) pos++;
    // HOSTNAME, unless the next token is already the tag (`sshd[812]:`, local logs written without a host).
    const { token, end } = nextToken(text, pos);
    if (token !== '' && !token.endsWith(':')) {
      event['hostname'] = token;
      pos = end + 1;
    }
  }
  // Without a timestamp or priority the line is not recognisably syslog: all of it is the message.
  const tag = haveTime || from > 0 ? TAG.exec(text.slice(pos)) : null;
  if (tag !== null) {
    event['program'] = tag[1]!;
    if (tag[2] !== undefined) event['pid'] = numberOrText(tag[2]);
    pos += tag[0].length;
  }
  if (pos < text.length) event['message'] = text.slice(pos);
  return warning;
}

/**
 * Parses one syslog line; `referenceMs` places BSD timestamps, which have no year (`years` remembers the
 * choices for the lines of one file).
 */
export function parseSyslog(line: string, referenceMs: number, years?: YearCache): LineResult {
  const text = stripBom(line);
  const header: Header = {};
  const afterPri = readPriority(text, header);
  const event: JsonObject = {};
  if (header.priority !== undefined) {
    event['priority'] = header.priority;
    event['facility'] = FACILITIES[header.priority >> 3]!;
    event['severity'] = SEVERITIES[header.priority & 7]!;
  }
  const is5424 = header.priority !== undefined && /^[1-9]\d{0,2} /.test(text.slice(afterPri, afterPri + 4));
  const problem = is5424
    ? parse5424(text, afterPri, event)
    : parse3164(text, afterPri, referenceMs, years, event);
  const warning = header.warning ?? problem;
  const program = event['program'];
  const message = event['message'];
  if (typeof program === 'string' && program.toLowerCase() === 'sysmon' && typeof message === 'string') {
    const sysmon = parseSysmonEvent(message);
    if (sysmon !== undefined) {
      delete event['message'];
      event['Event'] = sysmon;
      return { ok: true, value: event, eventClass: 'sysmon-linux', ...(warning ? { warning } : {}) };
    }
  }
  return warning === undefined ? { ok: true, value: event } : { ok: true, value: event, warning };
}

export const syslogParser: LineParser = {
  description: 'syslog line (RFC 5424 or RFC 3164 / BSD, with or without <PRI>)',
  forBatch(batch) {
    // Without a file time (unreadable stat), BSD timestamps are placed relative to now.
    const reference = batch.fileTime > 0 ? batch.fileTime : Date.now();
    const years: YearCache = new Map();
    return (text) => parseSyslog(text, reference, years);
  },
};
