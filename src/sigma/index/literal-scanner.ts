/**
 * Finds which of many literals occur in a string, in one pass. Each literal of three or more characters
 * is anchored at its rarest trigram; scanning checks each position's last two characters against a small
 * bigram filter, and only then hashes the trigram into an open table and verifies the few candidates.
 * Memory is linear in the number of literals (unlike a dense Aho–Corasick table), and a miss — the
 * common case — costs one byte read per character. Literals of one or two characters (odd punctuation,
 * emoji, Cyrillic homoglyphs) are found through a table of their first characters.
 * ASCII case is folded on the fly (literals are lowercase); text with non-ASCII characters is scanned
 * again in its `toLowerCase()` form, so folding outside ASCII never hides a literal.
 */

function nextPowerOfTwo(value: number): number {
  let size = 64;
  while (size < value) size *= 2;
  return size;
}

function trigramHash(c0: number, c1: number, c2: number): number {
  return (Math.imul(c0, 0x9e3779b1) ^ Math.imul(c1, 0x85ebca77) ^ Math.imul(c2, 0xc2b2ae3d)) >>> 0;
}

function fold(code: number): number {
  return code >= 65 && code <= 90 ? code | 32 : code;
}

function bigramSlot(c1: number, c2: number): number {
  return ((c1 & 0xff) << 8) | (c2 & 0xff);
}

export class LiteralScanner {
  readonly literals: readonly string[];
  private readonly heads: Int32Array;
  private readonly next: Int32Array;
  private readonly entryLiteral: Int32Array;
  private readonly entryOffset: Int32Array;
  private readonly entryKey: Float64Array;
  private readonly shift: number;
  /** Bit set: some anchor trigram ends with this (folded, low-byte) bigram. 8 KB, so it stays in cache. */
  private readonly bigrams: Uint8Array;
  /** First character of a short literal → its ids; `shortFirst` is a bit set of those characters. */
  private readonly shortByFirst: Map<number, number[]>;
  private readonly shortFirst: Uint8Array | undefined;

  /** Hits are reported as `idOffset + index in literals`, so several structures can share one id space. */
  constructor(
    literals: readonly string[],
    private readonly idOffset = 0,
  ) {
    this.literals = literals;
    const long: number[] = [];
    this.shortByFirst = new Map();
    literals.forEach((literal, id) => {
      if (literal.length >= 3) long.push(id);
      else if (literal.length > 0) {
        const first = literal.charCodeAt(0);
        const list = this.shortByFirst.get(first);
        if (list === undefined) this.shortByFirst.set(first, [id]);
        else list.push(id);
      }
    });
    if (this.shortByFirst.size > 0) {
      this.shortFirst = new Uint8Array(8192);
      for (const first of this.shortByFirst.keys()) this.shortFirst[first >>> 3]! |= 1 << (first & 7);
    }

    const keyOf = (text: string, at: number): number =>
      text.charCodeAt(at) * 4294967296 + text.charCodeAt(at + 1) * 65536 + text.charCodeAt(at + 2);
    const frequency = new Map<number, number>();
    for (const id of long) {
      const literal = literals[id]!;
      const seen = new Set<number>();
      for (let i = 0; i + 3 <= literal.length; i++) seen.add(keyOf(literal, i));
      for (const key of seen) frequency.set(key, (frequency.get(key) ?? 0) + 1);
    }
    const size = nextPowerOfTwo(long.length * 4);
    this.shift = 32 - Math.log2(size);
    this.heads = new Int32Array(size).fill(-1);
    this.next = new Int32Array(long.length);
    this.entryLiteral = new Int32Array(long.length);
    this.entryOffset = new Int32Array(long.length);
    this.entryKey = new Float64Array(long.length);
    this.bigrams = new Uint8Array(8192);
    long.forEach((id, entry) => {
      const literal = literals[id]!;
      let bestOffset = 0;
      let bestCount = Infinity;
      for (let i = 0; i + 3 <= literal.length; i++) {
        const count = frequency.get(keyOf(literal, i))!;
        if (count < bestCount) {
          bestCount = count;
          bestOffset = i;
        }
      }
      const c0 = literal.charCodeAt(bestOffset);
      const c1 = literal.charCodeAt(bestOffset + 1);
      const c2 = literal.charCodeAt(bestOffset + 2);
      const slot = trigramHash(c0, c1, c2) >>> this.shift;
      const bigram = bigramSlot(c1, c2);
      this.bigrams[bigram >>> 3]! |= 1 << (bigram & 7);
      this.entryLiteral[entry] = id;
      this.entryOffset[entry] = bestOffset;
      this.entryKey[entry] = keyOf(literal, bestOffset);
      this.next[entry] = this.heads[slot]!;
      this.heads[slot] = entry;
    });
  }

  /** Calls `onHit(literalId)` for each literal found in `text`, ignoring case, possibly more than once. */
  scan(text: string, onHit: (literalId: number) => void): void {
    if (this.scanText(text, true, onHit)) this.scanText(text.toLowerCase(), false, onHit);
  }

  /**
   * One pass; with `folding`, ASCII uppercase is folded and the return value says whether non-ASCII
   * characters were seen (the caller then scans the lowercased text too).
   */
  private scanText(text: string, folding: boolean, onHit: (literalId: number) => void): boolean {
    const n = text.length;
    const shortFirst = this.shortFirst;
    const bigrams = this.bigrams;
    const heads = this.heads;
    const shift = this.shift;
    const hasLong = this.entryLiteral.length > 0;
    let nonAscii = false;
    let c0 = 0;
    let c1 = 0;
    for (let i = 0; i < n; i++) {
      const raw = text.charCodeAt(i);
      if (raw >= 128) nonAscii = true;
      const c2 = folding ? fold(raw) : raw;
      if (shortFirst !== undefined && (shortFirst[c2 >>> 3]! & (1 << (c2 & 7))) !== 0) {
        this.checkShort(text, i, c2, folding, onHit);
      }
      const bigram = bigramSlot(c1, c2);
      if (hasLong && i >= 2 && (bigrams[bigram >>> 3]! & (1 << (bigram & 7))) !== 0) {
        let entry = heads[trigramHash(c0, c1, c2) >>> shift]!;
        if (entry >= 0) {
          const key = c0 * 4294967296 + c1 * 65536 + c2;
          do {
            if (this.entryKey[entry] === key) {
              const start = i - 2 - this.entryOffset[entry]!;
              const id = this.entryLiteral[entry]!;
              if (start >= 0 && matchesAt(text, start, this.literals[id]!, folding))
                onHit(this.idOffset + id);
            }
            entry = this.next[entry]!;
          } while (entry >= 0);
        }
      }
      c0 = c1;
      c1 = c2;
    }
    return folding && nonAscii;
  }

  private checkShort(
    text: string,
    at: number,
    first: number,
    folding: boolean,
    onHit: (literalId: number) => void,
  ): void {
    const ids = this.shortByFirst.get(first);
    if (ids === undefined) return;
    for (const id of ids) {
      const literal = this.literals[id]!;
      if (
        literal.length === 1 ||
        (at + 1 < text.length &&
          (folding ? fold(text.charCodeAt(at + 1)) : text.charCodeAt(at + 1)) === literal.charCodeAt(1))
      ) {
        onHit(this.idOffset + id);
      }
    }
  }
}

function matchesAt(text: string, start: number, literal: string, folding: boolean): boolean {
  if (start + literal.length > text.length) return false;
  if (!folding) return text.startsWith(literal, start);
  for (let i = 0; i < literal.length; i++)
    if (fold(text.charCodeAt(start + i)) !== literal.charCodeAt(i)) return false;
  return true;
}
