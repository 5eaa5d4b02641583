/**
 * Linux audit records (`/var/log/audit/audit.log`, RAW or ENRICHED format, and `ausearch` output) into
 * events, one per record line, with the field names SigmaHQ's `service: auditd` rules use:
 *
 * - `type` (`SYSCALL`, `EXECVE`, `PATH`, …), `timestamp` (ISO 8601 UTC from `msg=audit(SECONDS.MS:SERIAL)`),
 *   `serial` (number; the records of one event share it), `node` when the log was forwarded;
 * - every `key=value` of the record as written (`exe`, `comm`, `key`, `a0`, `name`, `nametype`, `euid`, …),
 *   values as text; `?` and `(null)` (auditd's "no value") become null;
 * - the inner `msg='…'` of user-space records (USER_CMD, SERVICE_STOP, ADD_USER, …) is flattened into the
 *   event (`unit`, `acct`, `op`, `res`, …); if it holds no `key=value` it stays as `msg`;
 * - values the kernel hex-encodes when they hold spaces or odd bytes are decoded as `ausearch -i` does:
 *   EXECVE arguments (`a0`, `a1`, … with `aN[i]` pieces of long ones joined), `proctitle` (NULs between
 *   arguments become spaces), `name`, `comm`, `exe`, `cwd`, `key` (several keys become a list), `cmd`, …;
 * - ENRICHED logs' interpreted fields after the 0x1d separator (`ARCH`, `SYSCALL`, `AUID`, `UID`, …); for RAW
 *   SYSCALL records `ARCH` and `SYSCALL` are added from `arch` and `syscall` (x86_64, i386, aarch64), so
 *   rules testing `SYSCALL: execve` work on both formats.
 *
 * Records are not grouped by serial: SigmaHQ's auditd rules test one record type at a time
 * (`type: EXECVE` with `a0`, or `type: SYSCALL` with `exe`), which a merged event would break.
 */
import type { JsonObject } from '../decode.js';
import type { LineParser, LineResult } from '../text/line-parser.js';
import { setField } from '../text/line-parser.js';
import { archName, syscallName } from './syscalls.js';

/** Fields the kernel (or user-space auditing) writes hex-encoded when their text is not plain. */
const ENCODED_FIELDS: ReadonlySet<string> = new Set([
  'acct',
  'cmd',
  'comm',
  'cwd',
  'data',
  'dir',
  'exe',
  'file',
  'key',
  'name',
  'new-name',
  'ocomm',
  'old-name',
  'path',
  'proctitle',
  'watch',
]);

const HEADER =
  /^(?:node=(\S+) )?type=(\S+) msg=audit\((?:(\d{1,12})\.(\d{1,6})|(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{1,6})):(\d{1,20})\) ?: ?/;
const HEX = /^(?:[0-9A-F]{2})+$/;
const EXECVE_ARG = /^a\d{1,6}$/;
const EXECVE_PIECE = /^(a\d{1,6})\[(\d{1,6})\]$/;
const GROUP_SEPARATOR = '\u001d';

function decodeHex(hex: string): string {
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** Reads `key=value` pairs; bare words (AVC's `avc:  denied  { read } for`) are collected separately. */
function readPairs(text: string, pairs: [string, string, boolean][], words: string[]): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && text.charCodeAt(i) === 0x20) i++;
    if (i >= n) return;
    let j = i;
    while (j < n && text.charCodeAt(j) !== 0x3d && text.charCodeAt(j) !== 0x20) j++;
    if (j >= n || text.charCodeAt(j) === 0x20 || j === i) {
      // A bare word, or one that starts with `=`: taken up to the next space (always at least one character).
      while (j < n && text.charCodeAt(j) !== 0x20) j++;
      words.push(text.slice(i, j));
      i = j;
      continue;
    }
    const key = text.slice(i, j);
    const open = text.charCodeAt(j + 1);
    if (open === 0x22 || open === 0x27) {
      const quote = open === 0x22 ? '"' : "'";
      const close = text.indexOf(quote, j + 2);
      const end = close === -1 ? n : close;
      pairs.push([key, text.slice(j + 2, end), true]);
      i = end + 1;
      continue;
    }
    let k = j + 1;
    while (k < n && text.charCodeAt(k) !== 0x20) k++;
    pairs.push([key, text.slice(j + 1, k), false]);
    i = k;
  }
}

// The records of a log come in bursts within one second: the date part is formatted once per second.
let lastSeconds = '';
let lastPrefix: string | undefined;

function isoFromHeader(m: RegExpExecArray): string | undefined {
  if (m[3] !== undefined) {
    if (m[3] !== lastSeconds) {
      const date = new Date(Number(m[3]) * 1000);
      lastSeconds = m[3];
      lastPrefix = Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 19);
    }
    if (lastPrefix === undefined) return undefined;
    const ms = Math.floor(Number(`0.${m[4]}`) * 1000);
    return `${lastPrefix}.${String(ms).padStart(3, '0')}Z`;
  }
  // `ausearch -i` writes local time without a zone: read as UTC.
  const [month, day, year, hour, minute, second] = [m[5], m[6], m[7], m[8], m[9], m[10]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(Number(`0.${m[11]}`) * 1000));
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) || date.getUTCDate() !== day ? undefined : date.toISOString();
}

/**
 * Sets one field unless the record already has it (the first occurrence wins): `?` and `(null)` become
 * null, and hex-encoded values of the fields auditd encodes are decoded (`decode` is false for ausearch -i
 * output, already decoded).
 */
function assign(
  event: JsonObject,
  key: string,
  raw: string,
  quoted: boolean,
  decode: boolean,
  execve: boolean,
): void {
  if (Object.hasOwn(event, key)) return;
  if (!quoted && (raw === '?' || raw === '(null)')) {
    setField(event, key, null);
    return;
  }
  if (!quoted && decode && (ENCODED_FIELDS.has(key) || (execve && EXECVE_ARG.test(key))) && HEX.test(raw)) {
    let text = decodeHex(raw);
    if (key === 'proctitle') text = text.replace(/\0+$/, '').replaceAll('\0', ' ');
    if (key === 'key' && text.includes('\u0001')) {
      setField(event, key, text.split('\u0001'));
      return;
    }
    setField(event, key, text);
    return;
  }
  setField(event, key, raw);
}

export function parseAuditRecord(line: string): LineResult {
  const m = HEADER.exec(line);
  if (m === null) {
    return {
      ok: false,
      problem: {
        code: 'auditd-bad-record',
        message:
          'not an audit record: expected "type=TYPE msg=audit(SECONDS.MILLISECONDS:SERIAL): …"; skipped',
      },
    };
  }
  const type = m[2]!;
  const event: JsonObject = { type };
  const timestamp = isoFromHeader(m);
  if (timestamp !== undefined) event['timestamp'] = timestamp;
  event['serial'] = Number(m[12]);
  if (m[1] !== undefined) event['node'] = m[1];
  const interpreted = m[5] !== undefined;

  const separator = line.indexOf(GROUP_SEPARATOR, m[0].length);
  const body = line.slice(m[0].length, separator === -1 ? undefined : separator);
  const pairs: [string, string, boolean][] = [];
  const words: string[] = [];
  readPairs(body, pairs, words);
  const execve = type === 'EXECVE';
  const pieces = new Map<string, string[]>();

  const set = (key: string, raw: string, quoted: boolean): void =>
    assign(event, key, raw, quoted, !interpreted, execve);

  for (const [key, raw, quoted] of pairs) {
    const piece = execve ? EXECVE_PIECE.exec(key) : null;
    if (piece !== null) {
      const list = pieces.get(piece[1]!) ?? [];
      list[Number(piece[2])] = quoted ? Buffer.from(raw, 'utf8').toString('hex').toUpperCase() : raw;
      pieces.set(piece[1]!, list);
      continue;
    }
    if (key === 'msg' && quoted) {
      const innerPairs: [string, string, boolean][] = [];
      const innerWords: string[] = [];
      readPairs(raw, innerPairs, innerWords);
      if (innerPairs.length === 0) set('msg', raw, true);
      else {
        for (const [innerKey, innerRaw, innerQuoted] of innerPairs) set(innerKey, innerRaw, innerQuoted);
        if (innerWords.length > 0) set('msg', innerWords.join(' '), true);
      }
      continue;
    }
    set(key, raw, quoted);
  }
  for (const [arg, list] of pieces) {
    const hex = list.join('');
    if (!Object.hasOwn(event, arg)) setField(event, arg, HEX.test(hex) ? decodeHex(hex) : hex);
    if (Object.hasOwn(event, `${arg}_len`)) delete event[`${arg}_len`];
  }
  if (words.length > 0) set('text', words.join(' '), true);

  if (separator !== -1) {
    const enrichedPairs: [string, string, boolean][] = [];
    readPairs(line.slice(separator + 1), enrichedPairs, []);
    for (const [key, raw, quoted] of enrichedPairs) set(key, raw, quoted);
  }
  if (type === 'SYSCALL') {
    const arch = event['arch'];
    const syscall = event['syscall'];
    if (typeof arch === 'string' && !Object.hasOwn(event, 'ARCH')) {
      const name = interpreted ? arch : archName(arch);
      if (name !== undefined) event['ARCH'] = name;
    }
    if (typeof syscall === 'string' && !Object.hasOwn(event, 'SYSCALL')) {
      const name = /^\d+$/.test(syscall) && typeof arch === 'string' ? syscallName(arch, syscall) : syscall;
      if (name !== undefined) event['SYSCALL'] = name;
    }
  }
  return { ok: true, value: event };
}

export const auditdParser: LineParser = {
  description: 'Linux audit record (type=… msg=audit(…): key=value …)',
  forBatch() {
    return parseAuditRecord;
  },
};
