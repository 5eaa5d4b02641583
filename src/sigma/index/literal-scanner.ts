/**
 * Finds which of many literals occur in a string, ignoring case: literals are lowercase, and a literal is
 * reported when the text's `toLowerCase()` contains it (a native, fast conversion; scanning the lowercased
 * text is exact for every script, so no case is folded by hand). More hits are harmless: this is a prefilter.
 * Two strategies, chosen by the size of the set:
 * - a few literals (keyword lists, a field's handful of `contains` values): one native regular expression,
 *   the alternation of the literals. V8 compiles it to machine code that skips ahead with Boyer–Moore-style
 *   tables, several times faster per character than a loop in JavaScript, and a miss — the common case —
 *   never leaves native code. The alternatives are in descending code-unit order, so at a position the first
 *   one that matches is the longest literal there; the others there are its prefixes, listed beforehand.
 *   The search resumes one character after each match, so overlapping literals are all found.
 * - many literals (hundreds of command-line fragments, where an alternation would be slow to run): each
 *   literal of three or more characters is anchored at its rarest trigram; scanning checks each position's
 *   last three characters against a 32-kbit filter of the anchors, and only then hashes the trigram into an
 *   open table and verifies the few candidates. Memory is linear in the number of literals (unlike a dense
 *   Aho–Corasick table). Literals of one or two ASCII characters (a dash, ` /c`-style switches) are found by
 *   bit sets over the current character and the last two; other short ones (emoji, Cyrillic homoglyphs)
 *   through a table of their first characters.
 * Each literal is reported at most once per scan, and texts shorter than the shortest literal are not
 * scanned.
 */

/** Literal sets up to this size (and this much regex source) use the regex strategy. */
const MAX_REGEX_LITERALS = 64;
const MAX_REGEX_SOURCE = 2048;

function nextPowerOfTwo(value: number): number {
  let size = 64;
  while (size < value) size *= 2;
  return size;
}

function trigramHash(c0: number, c1: number, c2: number): number {
  return (Math.imul(c0, 0x9e3779b1) ^ Math.imul(c1, 0x85ebca77) ^ Math.imul(c2, 0xc2b2ae3d)) >>> 0;
}

/** The trigram's slot in the 2^15-bit filter: cheap to compute at every position of the text. */
function filterKey(c0: number, c1: number, c2: number): number {
  return ((c0 << 10) ^ (c1 << 5) ^ c2) & 0x7fff;
}

/** Regex source for a literal: ASCII letters and digits as they are, everything else as a `\uXXXX` escape. */
function escapeLiteral(literal: string): string {
  let source = '';
  for (let i = 0; i < literal.length; i++) {
    const code = literal.charCodeAt(i);
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) source += literal[i];
    else source += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return source;
}

/** The regex strategy: an alternation of every literal, and for each literal the ids of its prefixes. */
class AlternationFinder {
  private readonly regex: RegExp;
  /** Literal → ids of the literals it starts with (itself included). */
  private readonly prefixIds = new Map<string, number[]>();
  /** Per literal id: the scan that last reported it; a scan stops once every literal is reported. */
  private readonly reported: Int32Array;
  private readonly distinctIds: number;
  private scanEpoch = 0;

  constructor(literals: readonly string[], source: string) {
    this.reported = new Int32Array(literals.length);
    const ids = new Map<string, number[]>();
    literals.forEach((literal, id) => {
      if (literal.length === 0) return;
      const list = ids.get(literal);
      if (list === undefined) ids.set(literal, [id]);
      else list.push(id);
    });
    const lengths = [...new Set([...ids.keys()].map((literal) => literal.length))];
    for (const literal of ids.keys()) {
      const found: number[] = [];
      for (const length of lengths) {
        if (length <= literal.length) found.push(...(ids.get(literal.slice(0, length)) ?? []));
      }
      this.prefixIds.set(literal, found);
    }
    this.distinctIds = [...ids.values()].reduce((count, list) => count + list.length, 0);
    this.regex = new RegExp(source, 'g');
  }

  find(lower: string, idOffset: number, onHit: (literalId: number) => void): void {
    this.scanEpoch = (this.scanEpoch + 1) | 0;
    if (this.scanEpoch === 0) {
      this.reported.fill(-1);
      this.scanEpoch = 1;
    }
    const epoch = this.scanEpoch;
    const reported = this.reported;
    let left = this.distinctIds;
    const re = this.regex;
    re.lastIndex = 0;
    for (;;) {
      const match = re.exec(lower);
      if (match === null) return;
      const ids = this.prefixIds.get(match[0]);
      if (ids !== undefined) {
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i]!;
          if (reported[id] === epoch) continue;
          reported[id] = epoch;
          onHit(idOffset + id);
          // Every literal found: the rest of a long text cannot add a hit.
          if (--left === 0) return;
        }
      }
      re.lastIndex = match.index + 1;
    }
  }
}

/** The trigram strategy (see the file comment). */
class TrigramFinder {
  private readonly heads: Int32Array;
  private readonly next: Int32Array;
  private readonly entryLiteral: Int32Array;
  private readonly entryOffset: Int32Array;
  private readonly entryKey: Float64Array;
  private readonly shift: number;
  /** Bit set over `filterKey` of every anchor trigram. 4 KB, so it stays in cache. */
  private readonly filter = new Int32Array(1024);
  /**
   * Literals of one or two ASCII characters, by their code (`c`, or `c1 << 7 | c2`): ids, and bit sets of
   * the codes still to report in the current scan. A code is cleared once its literals are reported, so a
   * dash or a space met again costs one bit test; `clearedPairs` lists what to restore after the scan.
   */
  private readonly singleIds: (number[] | undefined)[] = [];
  private readonly singles = new Int32Array(4);
  private readonly singlesWanted = new Int32Array(4);
  private readonly pairIds = new Map<number, number[]>();
  private readonly pairs = new Int32Array(512);
  private readonly clearedPairs: number[] = [];
  private readonly hasAsciiShort: boolean;
  /** Other short literals (with a non-ASCII character), by first character; `shortFirst` is a bit set of those. */
  private readonly shortByFirst = new Map<number, number[]>();
  private readonly shortFirst: Uint8Array | undefined;
  /**
   * Per literal: the scan that last reported it. A literal met again in the same scan (a space, a dash, a
   * common word in a long script) is neither verified nor reported again.
   */
  private readonly reported: Int32Array;
  private scanEpoch = 0;

  constructor(
    private readonly literals: readonly string[],
    private readonly idOffset: number,
  ) {
    const long: number[] = [];
    let hasAsciiShort = false;
    literals.forEach((literal, id) => {
      if (literal.length >= 3) long.push(id);
      else if (literal.length > 0) {
        const first = literal.charCodeAt(0);
        const second = literal.length === 2 ? literal.charCodeAt(1) : 0;
        if (first < 128 && second < 128) {
          hasAsciiShort = true;
          if (literal.length === 1) {
            (this.singleIds[first] ??= []).push(id);
            this.singlesWanted[first >>> 5]! |= 1 << (first & 31);
          } else {
            const code = (first << 7) | second;
            const list = this.pairIds.get(code);
            if (list === undefined) this.pairIds.set(code, [id]);
            else list.push(id);
            this.pairs[code >>> 5]! |= 1 << (code & 31);
          }
          return;
        }
        const list = this.shortByFirst.get(first);
        if (list === undefined) this.shortByFirst.set(first, [id]);
        else list.push(id);
      }
    });
    this.hasAsciiShort = hasAsciiShort;
    if (this.shortByFirst.size > 0) {
      this.shortFirst = new Uint8Array(8192);
      for (const first of this.shortByFirst.keys()) this.shortFirst[first >>> 3]! |= 1 << (first & 7);
    }
    this.reported = new Int32Array(literals.length);

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
      const c0 = literal.charCodeAt(bestOffset);
      const c1 = literal.charCodeAt(bestOffset + 1);
      const c2 = literal.charCodeAt(bestOffset + 2);
      const slot = trigramHash(c0, c1, c2) >>> this.shift;
      const key = filterKey(c0, c1, c2);
      this.filter[key >>> 5]! |= 1 << (key & 31);
      this.entryLiteral[entry] = id;
      this.entryOffset[entry] = bestOffset;
      this.entryKey[entry] = keyOf(literal, bestOffset);
      this.next[entry] = this.heads[slot]!;
      this.heads[slot] = entry;
    });
  }

  /** `lower` is the lowercased text. */
  find(lower: string, onHit: (literalId: number) => void): void {
    this.scanEpoch = (this.scanEpoch + 1) | 0;
    if (this.scanEpoch === 0) {
      this.reported.fill(-1);
      this.scanEpoch = 1;
    }
    const n = lower.length;
    const shortFirst = this.shortFirst;
    const hasAsciiShort = this.hasAsciiShort;
    const singles = this.singles;
    const pairs = this.pairs;
    singles.set(this.singlesWanted);
    const filter = this.filter;
    const heads = this.heads;
    const shift = this.shift;
    const hasLong = this.entryLiteral.length > 0;
    const reported = this.reported;
    const epoch = this.scanEpoch;
    let c0 = 0;
    let c1 = 0;
    for (let i = 0; i < n; i++) {
      const c2 = lower.charCodeAt(i);
      if (hasAsciiShort && c2 < 128) {
        if ((singles[c2 >>> 5]! & (1 << (c2 & 31))) !== 0) {
          singles[c2 >>> 5]! &= ~(1 << (c2 & 31));
          this.report(this.singleIds[c2]!, onHit);
        }
        const pair = (c1 << 7) | c2;
        if (c1 < 128 && i >= 1 && (pairs[pair >>> 5]! & (1 << (pair & 31))) !== 0) {
          pairs[pair >>> 5]! &= ~(1 << (pair & 31));
          this.clearedPairs.push(pair);
          this.report(this.pairIds.get(pair)!, onHit);
        }
      }
      if (shortFirst !== undefined && (shortFirst[c2 >>> 3]! & (1 << (c2 & 7))) !== 0) {
        this.checkShort(lower, i, c2, onHit);
      }
      const key = filterKey(c0, c1, c2);
      if (hasLong && i >= 2 && (filter[key >>> 5]! & (1 << (key & 31))) !== 0) {
        let entry = heads[trigramHash(c0, c1, c2) >>> shift]!;
        if (entry >= 0) {
          const exact = c0 * 4294967296 + c1 * 65536 + c2;
          do {
            const id = this.entryLiteral[entry]!;
            if (this.entryKey[entry] === exact && reported[id] !== epoch) {
              const start = i - 2 - this.entryOffset[entry]!;
              if (start >= 0 && lower.startsWith(this.literals[id]!, start)) {
                reported[id] = epoch;
                onHit(this.idOffset + id);
              }
            }
            entry = this.next[entry]!;
          } while (entry >= 0);
        }
      }
      c0 = c1;
      c1 = c2;
    }
    const cleared = this.clearedPairs;
    for (let i = 0; i < cleared.length; i++) pairs[cleared[i]! >>> 5]! |= 1 << (cleared[i]! & 31);
    cleared.length = 0;
  }

  private report(ids: readonly number[], onHit: (literalId: number) => void): void {
    const reported = this.reported;
    const epoch = this.scanEpoch;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (reported[id] !== epoch) {
        reported[id] = epoch;
        onHit(this.idOffset + id);
      }
    }
  }

  private checkShort(lower: string, at: number, first: number, onHit: (literalId: number) => void): void {
    const ids = this.shortByFirst.get(first);
    if (ids === undefined) return;
    const reported = this.reported;
    const epoch = this.scanEpoch;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (reported[id] === epoch) continue;
      const literal = this.literals[id]!;
      if (
        literal.length === 1 ||
        (at + 1 < lower.length && lower.charCodeAt(at + 1) === literal.charCodeAt(1))
      ) {
        reported[id] = epoch;
        onHit(this.idOffset + id);
      }
    }
  }
}

export class LiteralScanner {
  readonly literals: readonly string[];
  /** Length of the shortest literal: shorter texts hold none. */
  readonly minLength: number;
  private readonly alternation: AlternationFinder | undefined;
  private readonly trigrams: TrigramFinder | undefined;

  /** Hits are reported as `idOffset + index in literals`, so several structures can share one id space. */
  constructor(
    literals: readonly string[],
    private readonly idOffset = 0,
  ) {
    this.literals = literals;
    const present = [...new Set(literals.filter((literal) => literal.length > 0))];
    this.minLength = present.length === 0 ? Infinity : Math.min(...present.map((literal) => literal.length));
    let source: string | undefined;
    if (present.length <= MAX_REGEX_LITERALS) {
      source = present
        .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))
        .map(escapeLiteral)
        .join('|');
    }
    if (present.length === 0) {
      this.alternation = undefined;
      this.trigrams = undefined;
    } else if (source !== undefined && source.length <= MAX_REGEX_SOURCE) {
      this.alternation = new AlternationFinder(literals, source);
      this.trigrams = undefined;
    } else {
      this.alternation = undefined;
      this.trigrams = new TrigramFinder(literals, idOffset);
    }
  }

  /** Calls `onHit(literalId)` for each literal found in `text`, ignoring case, possibly more than once. */
  scan(text: string, onHit: (literalId: number) => void): void {
    // `toLowerCase` lengthens only U+0130 (to two code units): shorter texts cannot reach `minLength`.
    if (text.length * 2 < this.minLength) return;
    this.scanLowered(text.toLowerCase(), onHit);
  }

  /** `scan` for a text the caller has lowercased already (with `toLowerCase`). */
  scanLowered(lower: string, onHit: (literalId: number) => void): void {
    if (lower.length < this.minLength) return;
    if (this.alternation !== undefined) this.alternation.find(lower, this.idOffset, onHit);
    else if (this.trigrams !== undefined) this.trigrams.find(lower, onHit);
  }
}
