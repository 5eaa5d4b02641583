/**
 * Header directives of W3C extended logs and of Exchange's CSV logs: lines of the form `#Name: value`
 * (`#Software: Microsoft Internet Information Services 10.0`, `#Fields: date time s-ip …`). Shared by the
 * reading-thread handlers and the sniffers of both formats.
 */

export interface Directive {
  /** As written, e.g. `Fields`, `Log-type`. */
  readonly name: string;
  readonly value: string;
}

/** Directive names W3C (and Exchange) logs start with; used to recognise the formats. */
export const KNOWN_DIRECTIVES: ReadonlySet<string> = new Set([
  'software',
  'version',
  'date',
  'fields',
  'remark',
  'start-date',
  'end-date',
  'log-type',
]);

const decoder = new TextDecoder();

/**
 * Reads `#Name: value` from `bytes[start, end)`; undefined when the line is not a directive (no `#`, or no
 * colon after a name of letters, digits and dashes).
 */
export function parseDirective(bytes: Uint8Array, start: number, end: number): Directive | undefined {
  if (bytes[start] !== 0x23) return undefined;
  let i = start + 1;
  while (i < end && isNameByte(bytes[i]!)) i++;
  if (i === start + 1 || i >= end || bytes[i] !== 0x3a) return undefined;
  const name = decoder.decode(bytes.subarray(start + 1, i));
  const value = decoder.decode(bytes.subarray(i + 1, end)).trim();
  return { name, value };
}

function isNameByte(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
}

/** The first lines of `head` (up to `max`), without terminators; the last one only if it is complete. */
export function headLines(head: Uint8Array, from: number, max: number): string[] {
  const lines: string[] = [];
  let start = from;
  while (lines.length < max) {
    const nl = head.indexOf(0x0a, start);
    if (nl === -1) break;
    const end = nl > start && head[nl - 1] === 0x0d ? nl - 1 : nl;
    lines.push(decoder.decode(head.subarray(start, end)));
    start = nl + 1;
  }
  return lines;
}

/** The `#Fields:` value among the header lines at the top of `lines`, if any. */
export function fieldsDirective(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    if (!line.startsWith('#')) return undefined;
    // Other `#` lines (`#Time Format: Local` in Windows Firewall logs) are passed over.
    const match = /^#([A-Za-z0-9-]+):(.*)$/.exec(line);
    if (match !== null && match[1]!.toLowerCase() === 'fields') return match[2]!.trim();
  }
  return undefined;
}

/** True when `text` starts with a directive W3C and Exchange logs begin with (`#Software:`, `#Fields:` …). */
export function startsWithKnownDirective(text: string): boolean {
  const match = /^#([A-Za-z-]+):/.exec(text);
  return match !== null && KNOWN_DIRECTIVES.has(match[1]!.toLowerCase());
}
