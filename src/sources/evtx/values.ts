/**
 * BinXml substitution values: decoding the raw bytes of one value into the JSON value the Rust `evtx` crate's
 * `evtx_dump -o json` writes for it (when the value is an element's or attribute's only content), and into
 * its text form (used when it is joined with other text, and in XML output).
 *
 * Conventions followed (evtx 0.10+, checked against the evtx_dump twins of SigmaHQ's regression data):
 * - integers and booleans are JSON numbers and booleans (64-bit ones rounded to the nearest double, as
 *   JSON.parse of evtx_dump's output would); everything else is a string;
 * - HexInt32/64 and SizeT are `0x3e7`; GUIDs upper-case without braces; SIDs `S-1-5-18`; binary as
 *   upper-case hex; floats in shortest round-trip form;
 * - FILETIME/SYSTEMTIME as ISO 8601 UTC truncated to microseconds: `2019-03-19T23:34:26.531414Z`;
 * - arrays are their items' text forms joined by commas.
 *
 * Nothing here throws for bad data: a value whose size does not fit its type decodes to `null` and sets
 * `valueProblem`, which the caller turns into a located warning.
 *
 * Values that repeat across records (GUIDs, SIDs, hex masks, the date and time of a timestamp up to the
 * second) are formatted once and cached in small direct-mapped tables, each hit confirmed against the
 * value's bytes; names and literal text are interned (`internedUtf16`).
 */

export const VT = {
  Null: 0x00,
  String: 0x01,
  AnsiString: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SysTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
  ArrayFlag: 0x80,
} as const;

/** Set by the decoders when a value could not be decoded as its type (cleared by the caller). */
export let valueProblem: string | undefined;

export function clearValueProblem(): void {
  valueProblem = undefined;
}

function problem(text: string): null {
  valueProblem ??= text;
  return null;
}

const HEX_UPPER: string[] = [];
for (let i = 0; i < 256; i++) HEX_UPPER.push(i.toString(16).toUpperCase().padStart(2, '0'));

interface Ucs2Slicing {
  ucs2Slice(start: number, end: number): string;
}

/**
 * Node's UTF-16LE decoder without the argument checks of `toString('utf16le', …)` (measured faster on the
 * short strings of event data). Callers keep `start`/`end` inside the buffer.
 */
export function ucs2(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Ucs2Slicing).ucs2Slice(start, end);
}

/**
 * UTF-16LE text of a substitution string: cut at the first NUL (evtx keeps what precedes it), trailing
 * white space removed (as evtx_dump does: `"cmd.exe "` is written `"cmd.exe"`), unpaired surrogates
 * replaced by U+FFFD (and reported).
 */
export function utf16Value(buf: Buffer, start: number, end: number): string {
  // Native decoding, then native searches: measured faster than scanning code units in JavaScript (and V8
  // stores ASCII text as one-byte strings whichever way it is made).
  let text = ucs2(buf, start, end - ((end - start) & 1));
  const nul = text.indexOf('\u0000');
  if (nul >= 0) text = text.slice(0, nul);
  let stop = text.length;
  while (stop > 0 && isWhiteSpace(text.charCodeAt(stop - 1))) stop--;
  if (stop < text.length) text = text.slice(0, stop);
  return wellFormed(text);
}

/** `utf16Value`, or `emptyAs` when that text is empty (`isEmptyValue`). */
export function utf16Text(buf: Buffer, o: number, size: number, emptyAs: unknown): unknown {
  if (size < 2) return emptyAs;
  const first = buf[o]! | (buf[o + 1]! << 8);
  // A first character that is neither NUL nor white space makes the value non-empty: no scan needed.
  if (first === 0 || (isWhiteSpace(first) && isEmptyValue(buf, VT.String, o, size))) return emptyAs;
  return utf16Value(buf, o, o + size);
}

const INTERN_SLOTS = 2048;
/** Longer texts are rarely keys; comparing them would cost what decoding costs. */
const MAX_INTERNED_CHARS = 32;
const interned: string[] = new Array<string>(INTERN_SLOTS).fill('');

/**
 * `wellFormed(ucs2(buf, start, end))`, returning one shared string for a short text seen before (a
 * direct-mapped cache keyed by a few code units, confirmed code unit by code unit). For names and literal
 * text: used as object keys, a fresh string costs V8 an internalization on every store, a shared one only
 * once; and a hit saves the native decoding call.
 */
export function internedUtf16(buf: Buffer, start: number, end: number): string {
  const length = (end - start) >> 1;
  if (length === 0) return '';
  if (length > MAX_INTERNED_CHARS) return wellFormed(ucs2(buf, start, end));
  const first = buf[start]! | (buf[start + 1]! << 8);
  const last = buf[end - 2]! | (buf[end - 1]! << 8);
  const mid = start + (length >> 1) * 2;
  let hash = Math.imul(first ^ (length << 16), 0x01000193);
  hash = Math.imul(hash ^ last, 0x01000193);
  hash = Math.imul(hash ^ (buf[mid]! | (buf[mid + 1]! << 8)), 0x01000193);
  const slot = (hash ^ (hash >>> 15)) & (INTERN_SLOTS - 1);
  const cached = interned[slot]!;
  if (cached.length === length) {
    let i = 0;
    for (let p = start; i < length && cached.charCodeAt(i) === (buf[p]! | (buf[p + 1]! << 8)); p += 2) i++;
    if (i === length) return cached;
  }
  const text = ucs2(buf, start, end);
  if (!isWellFormed(text)) return wellFormed(text);
  interned[slot] = text;
  return text;
}

/** Unicode White_Space (Rust's `char::is_whitespace`, which evtx's `trim_end` uses; unlike JS, not U+FEFF). */
export function isWhiteSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

export function wellFormed(text: string): string {
  const s = text as unknown as WellFormedString;
  if (s.isWellFormed()) return text;
  reportInvalidUtf16();
  return s.toWellFormed();
}

export function isWellFormed(text: string): boolean {
  return (text as unknown as WellFormedString).isWellFormed();
}

/** `wellFormed` without reporting: for comparing names, not for output. */
export function repairUtf16(text: string): string {
  const s = text as unknown as WellFormedString;
  return s.isWellFormed() ? text : s.toWellFormed();
}

/** The problem `wellFormed` reports, for a cached template whose parse would have reported it. */
export function reportInvalidUtf16(): void {
  valueProblem ??= 'invalid UTF-16 (unpaired surrogate) replaced by U+FFFD';
}

/** Windows-1252 code points for bytes 0x80–0x9f (evtx_dump's default ANSI code page). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d,
  0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x9d, 0x017e, 0x0178,
];

export function ansiValue(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0) continue; // evtx drops every NUL byte of an ANSI string
    text += String.fromCharCode(b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80]! : b);
  }
  return text;
}

export function hexBytes(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += HEX_UPPER[bytes[i]!]!;
  return text;
}

const GUID_CACHE_SLOTS = 1024;
const guidKeys = new Int32Array(GUID_CACHE_SLOTS * 4);
const guidTexts: string[] = new Array<string>(GUID_CACHE_SLOTS).fill('');

function i32At(bytes: Uint8Array, o: number): number {
  return bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24);
}

/** GUID text, cached: a log names the same few providers and activity GUIDs over and over. */
export function guidText(bytes: Uint8Array, o: number): string {
  const a = i32At(bytes, o);
  const b = i32At(bytes, o + 4);
  const c = i32At(bytes, o + 8);
  const d = i32At(bytes, o + 12);
  const mixed = Math.imul(a ^ Math.imul(b ^ Math.imul(c ^ d, 0x01000193), 0x01000193), 0x01000193);
  const slot = (mixed ^ (mixed >>> 16)) & (GUID_CACHE_SLOTS - 1);
  const k = slot * 4;
  if (guidKeys[k] === a && guidKeys[k + 1] === b && guidKeys[k + 2] === c && guidKeys[k + 3] === d) {
    const cached = guidTexts[slot]!;
    if (cached !== '') return cached;
  }
  const text = formatGuid(bytes, o);
  guidKeys[k] = a;
  guidKeys[k + 1] = b;
  guidKeys[k + 2] = c;
  guidKeys[k + 3] = d;
  guidTexts[slot] = text;
  return text;
}

function formatGuid(bytes: Uint8Array, o: number): string {
  const h = HEX_UPPER;
  return (
    h[bytes[o + 3]!]! +
    h[bytes[o + 2]!]! +
    h[bytes[o + 1]!]! +
    h[bytes[o]!]! +
    '-' +
    h[bytes[o + 5]!]! +
    h[bytes[o + 4]!]! +
    '-' +
    h[bytes[o + 7]!]! +
    h[bytes[o + 6]!]! +
    '-' +
    h[bytes[o + 8]!]! +
    h[bytes[o + 9]!]! +
    '-' +
    h[bytes[o + 10]!]! +
    h[bytes[o + 11]!]! +
    h[bytes[o + 12]!]! +
    h[bytes[o + 13]!]! +
    h[bytes[o + 14]!]! +
    h[bytes[o + 15]!]!
  );
}

const SID_CACHE_SLOTS = 1024;
/** SIDs of up to 5 sub-authorities (28 bytes: `S-1-5-21-a-b-c-rid`) are cached, as 7 words and a size. */
const SID_CACHE_WORDS = 7;
const sidKeys = new Int32Array(SID_CACHE_SLOTS * SID_CACHE_WORDS);
const sidSizes = new Uint8Array(SID_CACHE_SLOTS);
const sidTexts: string[] = new Array<string>(SID_CACHE_SLOTS).fill('');

/** `S-<revision>-<authority>-<sub>-…`; null when the SID is shorter than its sub-authority count says. */
export function sidText(bytes: Uint8Array, dv: DataView, o: number, size: number): string | null {
  if (size < 8) return problem(`SID of ${size} bytes is shorter than its 8-byte header`);
  const count = bytes[o + 1]!;
  const used = 8 + count * 4;
  if (used > size) return problem(`SID declares ${count} sub-authorities but has ${size} bytes`);
  const words = used >> 2;
  if (words > SID_CACHE_WORDS) return formatSid(bytes, dv, o, count);
  let mixed = used;
  for (let w = 0; w < words; w++) mixed = Math.imul(mixed ^ i32At(bytes, o + w * 4), 0x01000193);
  const slot = (mixed ^ (mixed >>> 16)) & (SID_CACHE_SLOTS - 1);
  const k = slot * SID_CACHE_WORDS;
  if (sidSizes[slot] === used) {
    let w = 0;
    while (w < words && sidKeys[k + w] === i32At(bytes, o + w * 4)) w++;
    if (w === words) return sidTexts[slot]!;
  }
  const text = formatSid(bytes, dv, o, count);
  for (let w = 0; w < words; w++) sidKeys[k + w] = i32At(bytes, o + w * 4);
  sidSizes[slot] = used;
  sidTexts[slot] = text;
  return text;
}

function formatSid(bytes: Uint8Array, dv: DataView, o: number, count: number): string {
  const authority = dv.getUint16(o + 2, false) * 4294967296 + dv.getUint32(o + 4, false);
  let text = `S-${bytes[o]!}-${authority}`;
  for (let i = 0; i < count; i++) text += `-${dv.getUint32(o + 8 + i * 4, true)}`;
  return text;
}

function u64(dv: DataView, o: number): number {
  return dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
}

function i64(dv: DataView, o: number): number {
  return dv.getInt32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
}

const HEX_CACHE_SLOTS = 256;
const hexKeys = new Int32Array(HEX_CACHE_SLOTS * 2);
const hexTexts: string[] = new Array<string>(HEX_CACHE_SLOTS).fill('');

/** `0x…` of a 64-bit value (`hi`·2^32 + `lo`), cached: Keywords masks repeat in every record. */
function hexText(hi: number, lo: number): string {
  const mixed = Math.imul(hi ^ Math.imul(lo, 0x01000193), 0x01000193);
  const slot = (mixed ^ (mixed >>> 16)) & (HEX_CACHE_SLOTS - 1);
  if (hexKeys[slot * 2] === (hi | 0) && hexKeys[slot * 2 + 1] === (lo | 0)) {
    const cached = hexTexts[slot]!;
    if (cached !== '') return cached;
  }
  const text = hi === 0 ? `0x${lo.toString(16)}` : `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
  hexKeys[slot * 2] = hi;
  hexKeys[slot * 2 + 1] = lo;
  hexTexts[slot] = text;
  return text;
}

function hex64(dv: DataView, o: number): string {
  return hexText(dv.getUint32(o + 4, true), dv.getUint32(o, true));
}

function hex32(dv: DataView, o: number): string {
  return hexText(0, dv.getUint32(o, true));
}

// ---- time ----------------------------------------------------------------------------------------------

const TICKS_PER_SECOND = 10_000_000;
/** 2^32 ticks split as q·10^7 + r, and 2^48 likewise, so that a 64-bit tick count divides exactly. */
const R32 = 2 ** 32 % TICKS_PER_SECOND;
const Q32 = (2 ** 32 - R32) / TICKS_PER_SECOND;
const R16X = (65536 * R32) % TICKS_PER_SECOND;
const Q16X = (65536 * R32 - R16X) / TICKS_PER_SECOND;
/** Seconds from 1601-01-01 to 1970-01-01. */
const EPOCH_DELTA = 11_644_473_600;

const DIGITS3: string[] = [];
for (let i = 0; i < 1000; i++) DIGITS3.push(String(i).padStart(3, '0'));

function pad2(n: number): string {
  return DIGITS3[n]!.slice(1);
}

/** Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm). */
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const SECOND_CACHE_SLOTS = 64;
const secondKeys = new Float64Array(SECOND_CACHE_SLOTS).fill(NaN);
const secondTexts: string[] = new Array<string>(SECOND_CACHE_SLOTS).fill('');

/**
 * `YYYY-MM-DDThh:mm:ss.uuuuuuZ`. The text up to the seconds is cached per second (events come in bursts, and
 * one record often holds the same time twice), so most calls only append the microseconds.
 */
function formatTime(unixSeconds: number, nanos: number): string {
  const slot = unixSeconds & (SECOND_CACHE_SLOTS - 1);
  let prefix = secondTexts[slot]!;
  if (secondKeys[slot] !== unixSeconds) {
    prefix = secondText(unixSeconds);
    secondKeys[slot] = unixSeconds;
    secondTexts[slot] = prefix;
  }
  // Microseconds, always six digits: evtx truncates the 100 ns FILETIME resolution.
  const micros = Math.floor(nanos / 1000);
  return `${prefix}${DIGITS3[Math.floor(micros / 1000)]!}${DIGITS3[micros % 1000]!}Z`;
}

function secondText(unixSeconds: number): string {
  const days = Math.floor(unixSeconds / 86400);
  const secs = unixSeconds - days * 86400;
  const [y, m, d] = civil(days);
  const hh = Math.floor(secs / 3600);
  const mm = Math.floor((secs % 3600) / 60);
  const ss = secs % 60;
  const year = y >= 0 ? String(y).padStart(4, '0') : `-${String(-y).padStart(4, '0')}`;
  return `${year}-${pad2(m)}-${pad2(d)}T${pad2(hh)}:${pad2(mm)}:${pad2(ss)}.`;
}

/** FILETIME (100 ns ticks since 1601) at `o`, exact to the tick without BigInt. */
export function fileTimeText(dv: DataView, o: number): string {
  const lo = dv.getUint32(o, true);
  const hi = dv.getUint32(o + 4, true);
  const h1 = hi >>> 16;
  const h0 = hi & 0xffff;
  // ticks = hi·2^32 + lo = hi·Q32·10^7 + h1·65536·R32 + h0·R32 + lo, with 65536·R32 = Q16X·10^7 + R16X.
  const rest = h1 * R16X + h0 * R32 + lo;
  const restSeconds = Math.floor(rest / TICKS_PER_SECOND);
  const seconds = hi * Q32 + h1 * Q16X + restSeconds;
  const nanos = (rest - restSeconds * TICKS_PER_SECOND) * 100;
  return formatTime(seconds - EPOCH_DELTA, nanos);
}

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** SYSTEMTIME (eight u16: year, month, weekday, day, hour, minute, second, ms); null when invalid. */
export function sysTimeText(dv: DataView, o: number): string | null {
  const y = dv.getUint16(o, true);
  const mo = dv.getUint16(o + 2, true);
  const d = dv.getUint16(o + 6, true);
  const h = dv.getUint16(o + 8, true);
  const mi = dv.getUint16(o + 10, true);
  const s = dv.getUint16(o + 12, true);
  const ms = dv.getUint16(o + 14, true);
  if (y === 0 && mo === 0 && d === 0 && h === 0 && mi === 0 && s === 0 && ms === 0) {
    // evtx renders an all-zero SYSTEMTIME as the FILETIME epoch.
    return formatTime(-EPOCH_DELTA, 0);
  }
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && !leap ? 28 : DAYS_IN_MONTH[mo - 1]!)) {
    return problem(`invalid SYSTEMTIME date ${y}-${mo}-${d}`);
  }
  if (h > 23 || mi > 59 || s > 59 || ms > 999)
    return problem(`invalid SYSTEMTIME time ${h}:${mi}:${s}.${ms}`);
  return formatTime(daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s, ms * 1_000_000);
}

// ---- scalar and array values ----------------------------------------------------------------------------

/** Byte size of one element of a fixed-size type; 0 for variable-size types. */
export function fixedSize(type: number): number {
  switch (type) {
    case VT.Int8:
    case VT.UInt8:
      return 1;
    case VT.Int16:
    case VT.UInt16:
      return 2;
    case VT.Int32:
    case VT.UInt32:
    case VT.Real32:
    case VT.Bool:
    case VT.HexInt32:
      return 4;
    case VT.Int64:
    case VT.UInt64:
    case VT.Real64:
    case VT.FileTime:
    case VT.HexInt64:
      return 8;
    case VT.Guid:
    case VT.SysTime:
      return 16;
    default:
      return 0;
  }
}

/** One fixed-size scalar at `o` as its JSON value (`json`) or as text. Size already checked. */
function scalar(bytes: Uint8Array, dv: DataView, type: number, o: number, json: boolean): unknown {
  switch (type) {
    case VT.Int8:
      return json ? dv.getInt8(o) : String(dv.getInt8(o));
    case VT.UInt8:
      return json ? bytes[o]! : String(bytes[o]!);
    case VT.Int16:
      return json ? dv.getInt16(o, true) : String(dv.getInt16(o, true));
    case VT.UInt16:
      return json ? dv.getUint16(o, true) : String(dv.getUint16(o, true));
    case VT.Int32:
      return json ? dv.getInt32(o, true) : String(dv.getInt32(o, true));
    case VT.UInt32:
      return json ? dv.getUint32(o, true) : String(dv.getUint32(o, true));
    case VT.Int64:
      return json ? i64(dv, o) : int64Text(dv, o, true);
    case VT.UInt64:
      return json ? u64(dv, o) : int64Text(dv, o, false);
    case VT.Real32:
      return floatText(dv.getFloat32(o, true), true);
    case VT.Real64:
      return floatText(dv.getFloat64(o, true), false);
    case VT.Bool: {
      const v = dv.getInt32(o, true) !== 0;
      return json ? v : String(v);
    }
    case VT.Guid:
      return guidText(bytes, o);
    case VT.FileTime:
      return fileTimeText(dv, o);
    case VT.SysTime:
      return sysTimeText(dv, o);
    case VT.HexInt32:
      return hex32(dv, o);
    case VT.HexInt64:
      return hex64(dv, o);
    default:
      return null;
  }
}

/** Exact decimal text of a 64-bit integer (text output must not round). */
function int64Text(dv: DataView, o: number, signed: boolean): string {
  const hi = signed ? dv.getInt32(o + 4, true) : dv.getUint32(o + 4, true);
  const lo = dv.getUint32(o, true);
  const approx = hi * 4294967296 + lo;
  if (Number.isSafeInteger(approx)) return String(approx);
  return ((BigInt(hi) << 32n) + BigInt(lo)).toString();
}

/** Rust's `Display` for floats: shortest round-trip digits, never exponent notation. */
function floatText(v: number, single: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  let text = single ? shortestFloat32(v) : String(v);
  if (text.includes('e')) text = expandExponent(text);
  return text;
}

function shortestFloat32(v: number): string {
  for (let digits = 1; digits <= 9; digits++) {
    const text = v.toPrecision(digits);
    if (Math.fround(Number(text)) === v) return String(Number(text));
  }
  return String(v);
}

function expandExponent(text: string): string {
  const [mantissa = '', exponentText = '0'] = text.split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const point = (mantissa.replace('-', '').indexOf('.') + 1 || mantissa.replace('-', '').length + 1) - 1;
  const position = point + exponent;
  let out: string;
  if (position <= 0) out = `0.${'0'.repeat(-position)}${digits}`;
  else if (position >= digits.length) out = digits + '0'.repeat(position - digits.length);
  else out = `${digits.slice(0, position)}.${digits.slice(position)}`;
  return negative ? `-${out}` : out;
}

/**
 * Decodes the value of `type` in `bytes[o, o+size)`: with `json`, integers and booleans as numbers and
 * booleans, everything else as its text form; without, always the text form. Null and BinXml (0x21/0x23,
 * expanded by the renderers) decode to ''. A value that does not fit its type decodes to null.
 */
export function decodeValue(
  buf: Buffer,
  dv: DataView,
  type: number,
  o: number,
  size: number,
  json: boolean,
): unknown {
  const end = o + size;
  switch (type) {
    case VT.Null:
      return '';
    case VT.String:
      return utf16Value(buf, o, end);
    case VT.AnsiString:
      return ansiValue(buf, o, end);
    case VT.Binary:
      return hexBytes(buf, o, end);
    case VT.Sid:
      return sidText(buf, dv, o, size);
    case VT.SizeT:
      if (size === 4) return hex32(dv, o);
      if (size === 8) return hex64(dv, o);
      return problem(`SizeT value of ${size} bytes (expected 4 or 8)`);
    case VT.EvtHandle:
    case VT.BinXml:
    case VT.EvtXml:
      return '';
    default:
      break;
  }
  if (type & VT.ArrayFlag) return decodeArray(buf, dv, type & 0x7f, o, size);
  const width = fixedSize(type);
  if (width === 0) return problem(`unknown value type 0x${type.toString(16)}`);
  if (size !== width) {
    // evtx reads the type's width whatever the descriptor says; we only accept values that fit.
    if (size < width)
      return problem(`value of type 0x${type.toString(16)} has ${size} bytes, needs ${width}`);
  }
  return scalar(buf, dv, type, o, json);
}

function decodeArray(buf: Buffer, dv: DataView, type: number, o: number, size: number): string {
  const items: unknown[] = [];
  const end = o + size;
  if (type === VT.String) {
    // NUL-terminated UTF-16 strings one after another (the last one may lack its NUL), joined by commas:
    // decoded in one go, the NULs become the commas.
    const text = wellFormed(ucs2(buf, o, end - ((end - o) & 1)));
    return (text.endsWith('\u0000') ? text.slice(0, -1) : text).replaceAll('\u0000', ',');
  } else if (type === VT.Sid) {
    let p = o;
    while (p + 8 <= end) {
      const sidSize = 8 + buf[p + 1]! * 4;
      if (p + sidSize > end) break;
      items.push(sidText(buf, dv, p, sidSize));
      p += sidSize;
    }
  } else {
    const width = fixedSize(type);
    if (width === 0) return problem(`unsupported array type 0x${(type | 0x80).toString(16)}`) ?? '';
    for (let p = o; p + width <= end; p += width) items.push(scalar(buf, dv, type, p, false));
  }
  return items.map(jsonValueText).join(',');
}

/**
 * The JSON value of a substitution that is an element's or attribute's only content: `emptyAs` when the
 * value is empty (see `isEmptyValue`), else `decodeValue(…, json=true)`.
 */
export function jsonValue(
  buf: Buffer,
  dv: DataView,
  type: number,
  o: number,
  size: number,
  emptyAs: unknown,
): unknown {
  // The common types without the general checks; each case is what decodeValue does for a value that fits.
  switch (type) {
    case VT.Null:
      return emptyAs;
    case VT.String:
      return utf16Text(buf, o, size, emptyAs);
    case VT.UInt8:
      if (size >= 1) return buf[o]!;
      break;
    case VT.UInt16:
      if (size >= 2) return buf[o]! | (buf[o + 1]! << 8);
      break;
    case VT.UInt32:
      if (size >= 4) return dv.getUint32(o, true);
      break;
    case VT.UInt64:
      if (size >= 8) return u64(dv, o);
      break;
    case VT.HexInt32:
      if (size >= 4) return hex32(dv, o);
      break;
    case VT.HexInt64:
      if (size >= 8) return hex64(dv, o);
      break;
    case VT.Guid:
      if (size >= 16) return guidText(buf, o);
      break;
    case VT.FileTime:
      if (size >= 8) return fileTimeText(dv, o);
      break;
    case VT.Sid:
      return sidText(buf, dv, o, size);
    default:
      break;
  }
  if (isEmptyValue(buf, type, o, size)) return emptyAs;
  return decodeValue(buf, dv, type, o, size, true);
}

/** The text form of a JSON value made by `decodeValue(…, json=true)`, for joining values into a string. */
export function jsonValueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(jsonValueText).join(',');
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

/**
 * True when a value counts as empty content (evtx's `is_optional_empty`): null, an empty string (a UTF-16
 * string is cut at its first NUL; an ANSI one loses every NUL), empty binary, an empty array.
 */
export function isEmptyValue(buf: Buffer, type: number, o: number, size: number): boolean {
  switch (type) {
    case VT.Null:
      return true;
    case VT.String:
      // Empty once cut at the first NUL and stripped of trailing white space.
      for (let i = o; i + 1 < o + size; i += 2) {
        const c = buf[i]! | (buf[i + 1]! << 8);
        if (c === 0) return true;
        if (!isWhiteSpace(c)) return false;
      }
      return true;
    case VT.AnsiString:
      for (let i = o; i < o + size; i++) if (buf[i] !== 0) return false;
      return true;
    case VT.Binary:
    case VT.BinXml:
      return size === 0;
    default:
      return (type & VT.ArrayFlag) !== 0 && size === 0;
  }
}

/** True for the types evtx writes as a JSON number or boolean when they are the only content. */
export function isNumericType(type: number): boolean {
  return (type >= VT.Int8 && type <= VT.UInt64) || type === VT.Bool;
}
