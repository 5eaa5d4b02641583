/**
 * Transformation modifiers (spec appendix "Modifiers"): windash, base64, base64offset, utf16*, expand,
 * and the typed comparisons cidr and the time parts. Pure functions over values.
 */

/** pySigma's windash: a dash or slash that starts a word after a non-word character (`\B[-/]\b`). */
const WINDASH_CHARS = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;
const WINDASH_SITE = /\B[-/]\b/g;
/** More permutations than this is a rule bug, not a detection: reject instead of exhausting memory. */
export const MAX_EXPANSIONS = 4096;

export function windashVariants(text: string): string[] {
  const sites: number[] = [];
  for (const match of text.matchAll(WINDASH_SITE)) sites.push(match.index);
  if (sites.length === 0) return [text];
  const total = WINDASH_CHARS.length ** sites.length;
  if (total > MAX_EXPANSIONS)
    throw new RangeError(`windash would create ${total} variants (more than ${MAX_EXPANSIONS})`);
  let variants = [''];
  let previous = 0;
  for (const site of sites) {
    const between = text.slice(previous, site);
    variants = variants.flatMap((prefix) => WINDASH_CHARS.map((dash) => prefix + between + dash));
    previous = site + 1;
  }
  const rest = text.slice(previous);
  return variants.map((variant) => variant + rest);
}

export function utf8Bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

export function utf16le(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf16le'));
}

export function utf16be(text: string): Uint8Array {
  const bytes = utf16le(text);
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const low = bytes[i]!;
    bytes[i] = bytes[i + 1]!;
    bytes[i + 1] = low;
  }
  return bytes;
}

/** UTF-16 with a byte-order mark (little endian, as Windows writes it). */
export function utf16WithBom(text: string): Uint8Array {
  const body = utf16le(text);
  const bytes = new Uint8Array(body.length + 2);
  bytes[0] = 0xff;
  bytes[1] = 0xfe;
  bytes.set(body, 2);
  return bytes;
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/**
 * The three stable middle parts of the base64 encoding of `bytes` at offsets 0, 1 and 2 of a longer
 * encoded string: what any base64 blob containing the value must contain.
 */
export function base64OffsetVariants(bytes: Uint8Array): string[] {
  const variants: string[] = [];
  const startTrim = [0, 2, 3];
  const endTrim = [0, 3, 2];
  for (let shift = 0; shift < 3; shift++) {
    const padded = new Uint8Array(shift + bytes.length);
    padded.set(bytes, shift);
    const encoded = base64(padded);
    const end = endTrim[(bytes.length + shift) % 3]!;
    variants.push(encoded.slice(startTrim[shift], end === 0 ? encoded.length : encoded.length - end));
  }
  return variants;
}

/** Bytes as a string of code units 0–255, to compare against text that carries raw bytes. */
export function bytesAsLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}

/**
 * Expands `%name%` placeholders (not preceded by a backslash) with every value the placeholder has.
 * Returns the raw Sigma strings (placeholder values may hold wildcards).
 */
export function expandPlaceholders(
  raw: string,
  placeholders: ReadonlyMap<string, readonly string[]>,
): { values: string[]; missing: string[] } {
  const parts: string[][] = [];
  const missing: string[] = [];
  let text = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && raw[i + 1] === '%') {
      text += '%';
      i++;
      continue;
    }
    if (ch === '%') {
      const end = raw.indexOf('%', i + 1);
      if (end > i + 1) {
        const name = raw.slice(i + 1, end);
        if (/^[A-Za-z0-9_.-]+$/.test(name)) {
          const values = placeholders.get(name);
          if (values === undefined || values.length === 0) missing.push(name);
          parts.push([text]);
          parts.push(values === undefined || values.length === 0 ? [''] : [...values]);
          text = '';
          i = end;
          continue;
        }
      }
    }
    text += ch;
  }
  parts.push([text]);
  let values = [''];
  for (const options of parts) {
    values = values.flatMap((prefix) => options.map((option) => prefix + option));
    if (values.length > MAX_EXPANSIONS)
      throw new RangeError(`placeholder expansion creates more than ${MAX_EXPANSIONS} values`);
  }
  return { values, missing };
}

export type IpRange = { readonly version: 4 | 6; readonly network: bigint; readonly mask: bigint };

export type ParsedIp = { readonly version: 4 | 6; readonly value: bigint };

export function parseIp(text: string): ParsedIp | undefined {
  if (text.includes(':')) return parseIpv6(text);
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const byte = Number(part);
    if (byte > 255) return undefined;
    value = (value << 8n) | BigInt(byte);
  }
  return { version: 4, value };
}

function parseIpv6(input: string): { version: 6; value: bigint } | undefined {
  let text = input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIp(tail);
    if (v4 === undefined || v4.version !== 4) return undefined;
    const high = Number((v4.value >> 16n) & 0xffffn).toString(16);
    const low = Number(v4.value & 0xffffn).toString(16);
    text = `${text.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return { version: 6, value };
}

export function parseCidr(text: string): IpRange | undefined {
  const [address, prefixText, ...extra] = text.trim().split('/');
  if (address === undefined || extra.length > 0) return undefined;
  const ip = parseIp(address);
  if (ip === undefined) return undefined;
  const bits = ip.version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > bits ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText))
  ) {
    return undefined;
  }
  const all = (1n << BigInt(bits)) - 1n;
  const mask = prefix === 0 ? 0n : (all << BigInt(bits - prefix)) & all;
  return { version: ip.version, network: ip.value & mask, mask };
}

export function ipInRange(text: string, range: IpRange): boolean {
  return parsedIpInRange(parseIp(text), range);
}

/** `ipInRange` for an address parsed already (a list of ranges parses the value once). */
export function parsedIpInRange(ip: ParsedIp | undefined, range: IpRange): boolean {
  if (ip === undefined) return false;
  if (ip.version !== range.version) {
    // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) belongs to the IPv4 range.
    if (range.version === 4 && ip.version === 6 && ip.value >> 32n === 0xffffn) {
      return (ip.value & 0xffffffffn & range.mask) === range.network;
    }
    return false;
  }
  return (ip.value & range.mask) === range.network;
}

export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/**
 * Extracts a time part from a timestamp value. The spec says these modifiers do no timezone conversion:
 * we read the parts as written (UTC for evtx `...Z` times).
 */
export function timePart(value: unknown, part: TimePart): number | undefined {
  let date: Date;
  if (typeof value === 'number') date = new Date(value < 1e11 ? value * 1000 : value);
  else if (typeof value === 'string') {
    const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(value);
    if (match) {
      const [, year, month, day, hour, minute] = match;
      date = new Date(
        Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute ?? 0)),
      );
    } else date = new Date(value);
  } else return undefined;
  if (Number.isNaN(date.getTime())) return undefined;
  switch (part) {
    case 'minute':
      return date.getUTCMinutes();
    case 'hour':
      return date.getUTCHours();
    case 'day':
      return date.getUTCDate();
    case 'month':
      return date.getUTCMonth() + 1;
    case 'year':
      return date.getUTCFullYear();
    case 'week':
      return isoWeek(date);
  }
}

function isoWeek(date: Date): number {
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const dayNumber = (target.getUTCDay() + 6) % 7;
  target.setUTCDate(target.getUTCDate() - dayNumber + 3);
  const firstThursday = new Date(Date.UTC(target.getUTCFullYear(), 0, 4));
  return (
    1 +
    Math.round(
      ((target.getTime() - firstThursday.getTime()) / 86400000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) /
        7,
    )
  );
}
