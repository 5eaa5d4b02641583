/**
 * Finds which of many literals occur in a string, in one pass. Each literal of three or more characters
 * is anchored at its rarest trigram; scanning hashes every trigram of the text into a small open table
 * and verifies the few candidates with `startsWith`. Memory is linear in the number of literals (unlike a
 * dense Aho–Corasick table), and a miss — the common case — costs one table read per character.
 * Shorter literals are checked with `includes`.
 */

function nextPowerOfTwo(value: number): number {
  let size = 64;
  while (size < value) size *= 2;
  return size;
}

function trigramHash(c0: number, c1: number, c2: number): number {
  return (Math.imul(c0, 0x9e3779b1) ^ Math.imul(c1, 0x85ebca77) ^ Math.imul(c2, 0xc2b2ae3d)) >>> 0;
}

export class LiteralScanner {
  readonly literals: readonly string[];
  private readonly shortIds: Int32Array;
  private readonly heads: Int32Array;
  private readonly next: Int32Array;
  private readonly entryLiteral: Int32Array;
  private readonly entryOffset: Int32Array;
  private readonly entryKey: Float64Array;
  private readonly shift: number;

  /** Hits are reported as `idOffset + index in literals`, so several structures can share one id space. */
  constructor(
    literals: readonly string[],
    private readonly idOffset = 0,
  ) {
    this.literals = literals;
    const short: number[] = [];
    const long: number[] = [];
    literals.forEach((literal, id) => (literal.length >= 3 ? long : short).push(id));
    this.shortIds = Int32Array.from(short);

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
      const slot = trigramHash(literal.charCodeAt(bestOffset), literal.charCodeAt(bestOffset + 1), literal.charCodeAt(bestOffset + 2)) >>> this.shift;
      this.entryLiteral[entry] = id;
      this.entryOffset[entry] = bestOffset;
      this.entryKey[entry] = keyOf(literal, bestOffset);
      this.next[entry] = this.heads[slot]!;
      this.heads[slot] = entry;
    });
  }

  /**
   * Calls `onHit(literalId)` for each literal found in `text`, ignoring ASCII case (literals are lowercase),
   * possibly more than once per literal. Text with non-ASCII characters is also scanned in its
   * `toLowerCase()` form, so folding outside ASCII (e.g. the Kelvin sign to `k`) never hides a literal.
   */
  scan(text: string, onHit: (literalId: number) => void): void {
    if (this.scanFolded(text, onHit)) this.scanLowered(text.toLowerCase(), onHit);
  }

  /** ASCII-folding scan; returns true when the text holds non-ASCII characters. */
  private scanFolded(text: string, onHit: (literalId: number) => void): boolean {
    const n = text.length;
    let nonAscii = false;
    const shortIds = this.shortIds;
    if (shortIds.length > 0) {
      let lowered: string | undefined;
      for (let i = 0; i < shortIds.length; i++) {
        const id = shortIds[i]!;
        lowered ??= text.toLowerCase();
        if (lowered.includes(this.literals[id]!)) onHit(this.idOffset + id);
      }
    }
    if (n < 3 || this.entryLiteral.length === 0) {
      for (let i = 0; i < n; i++) if (text.charCodeAt(i) >= 128) return shortIds.length === 0;
      return false;
    }
    const heads = this.heads;
    const shift = this.shift;
    let c0 = fold(text.charCodeAt(0));
    let c1 = fold(text.charCodeAt(1));
    if (c0 >= 128 || c1 >= 128) nonAscii = true;
    for (let i = 2; i < n; i++) {
      const c2 = fold(text.charCodeAt(i));
      if (c2 >= 128) nonAscii = true;
      let entry = heads[trigramHash(c0, c1, c2) >>> shift]!;
      if (entry >= 0) {
        const key = c0 * 4294967296 + c1 * 65536 + c2;
        do {
          if (this.entryKey[entry] === key) {
            const start = i - 2 - this.entryOffset[entry]!;
            const id = this.entryLiteral[entry]!;
            if (start >= 0 && matchesFolded(text, start, this.literals[id]!)) onHit(this.idOffset + id);
          }
          entry = this.next[entry]!;
        } while (entry >= 0);
      }
      c0 = c1;
      c1 = c2;
    }
    return nonAscii;
  }

  /** Scan of already-lowercased text, for the non-ASCII case (long literals only: short ones are done). */
  private scanLowered(text: string, onHit: (literalId: number) => void): void {
    const n = text.length;
    if (n < 3 || this.entryLiteral.length === 0) return;
    const heads = this.heads;
    const shift = this.shift;
    let c0 = text.charCodeAt(0);
    let c1 = text.charCodeAt(1);
    for (let i = 2; i < n; i++) {
      const c2 = text.charCodeAt(i);
      let entry = heads[trigramHash(c0, c1, c2) >>> shift]!;
      if (entry >= 0) {
        const key = c0 * 4294967296 + c1 * 65536 + c2;
        do {
          if (this.entryKey[entry] === key) {
            const start = i - 2 - this.entryOffset[entry]!;
            const id = this.entryLiteral[entry]!;
            if (start >= 0 && text.startsWith(this.literals[id]!, start)) onHit(this.idOffset + id);
          }
          entry = this.next[entry]!;
        } while (entry >= 0);
      }
      c0 = c1;
      c1 = c2;
    }
  }
}

function fold(code: number): number {
  return code >= 65 && code <= 90 ? code | 32 : code;
}

function matchesFolded(text: string, start: number, literal: string): boolean {
  if (start + literal.length > text.length) return false;
  for (let i = 0; i < literal.length; i++) if (fold(text.charCodeAt(start + i)) !== literal.charCodeAt(i)) return false;
  return true;
}
