/**
 * The tree a Sigma regular expression parses into (`regex-parse.ts`), and the character sets the analysis
 * (`regex-safety.ts`) and the emitters (`regex.ts`) reason with. Nodes are immutable; inline flags are
 * already resolved into per-node state (`ci` on characters, classes and backreferences, `dotAll`, the
 * assertion kinds).
 */

export interface RegexFlags {
  /** Case-insensitive (`re|i`, or `(?i)` in the pattern). */
  readonly i?: boolean;
  /** `^`/`$` match at line starts/ends (`\n` only) as well. */
  readonly m?: boolean;
  /** `.` matches `\n` too. */
  readonly s?: boolean;
}

export type ClassEscape = 'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'h' | 'H' | 'v' | 'V';

export type ClassItem =
  | { readonly kind: 'range'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'escape'; readonly name: ClassEscape }
  /** A Unicode property, by its V8 name (`L`, `Script=Greek`). */
  | { readonly kind: 'property'; readonly negated: boolean; readonly name: string };

/** `start`/`end`: of the input; `line-*`: also next to `\n`; `end-before-newline`: PCRE's `\Z`. */
export type AssertionKind =
  'start' | 'end' | 'line-start' | 'line-end' | 'word' | 'not-word' | 'end-before-newline';

export type RegexNode =
  | { readonly kind: 'empty' }
  | { readonly kind: 'char'; readonly cp: number; readonly ci: boolean }
  | {
      readonly kind: 'class';
      readonly items: readonly ClassItem[];
      readonly negated: boolean;
      readonly ci: boolean;
    }
  | { readonly kind: 'dot'; readonly dotAll: boolean }
  | { readonly kind: 'assert'; readonly assertion: AssertionKind }
  | { readonly kind: 'look'; readonly behind: boolean; readonly negated: boolean; readonly body: RegexNode }
  /** `capture` is the PCRE group number (1-based), absent for non-capturing and atomic groups. */
  | { readonly kind: 'group'; readonly body: RegexNode; readonly capture?: number; readonly atomic: boolean }
  | { readonly kind: 'concat'; readonly items: readonly RegexNode[] }
  | { readonly kind: 'alt'; readonly branches: readonly RegexNode[] }
  | {
      readonly kind: 'repeat';
      readonly body: RegexNode;
      readonly min: number;
      /** `Infinity` when unbounded. */
      readonly max: number;
      readonly lazy: boolean;
      readonly possessive: boolean;
    }
  | { readonly kind: 'backref'; readonly group: number; readonly ci: boolean };

export interface ParsedRegex {
  readonly ast: RegexNode;
  readonly groupCount: number;
}

export type RegexErrorCode = 'invalid-regex' | 'unsupported-regex' | 'regex-too-complex';

export type ParseResult =
  | { readonly ok: true; readonly regex: ParsedRegex }
  | { readonly ok: false; readonly code: RegexErrorCode; readonly message: string; readonly offset: number };

export const MAX_CODE_POINT = 0x10ffff;

// ---------------------------------------------------------------------------------------------------------
// Character sets as sorted, disjoint, inclusive code point ranges.

export type CharSet = readonly (readonly [number, number])[];

export function normalizeSet(ranges: Iterable<readonly [number, number]>): CharSet {
  const sorted = [...ranges].filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function complementSet(set: CharSet): CharSet {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

export function setsIntersect(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [alo, ahi] = a[i]!;
    const [blo, bhi] = b[j]!;
    if (alo <= bhi && blo <= ahi) return true;
    if (ahi < bhi) i++;
    else j++;
  }
  return false;
}

export function setSize(set: CharSet): number {
  return set.reduce((sum, [lo, hi]) => sum + hi - lo + 1, 0);
}

export const ALL: CharSet = [[0, MAX_CODE_POINT]];
/** JavaScript's `\s` (what V8 runs natively; RE2 gets these ranges spelled out). */
// prettier-ignore
export const SPACE_SET: CharSet = normalizeSet([
  [9, 13], [32, 32], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029],
  [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
]);
const DIGIT_SET: CharSet = [[48, 57]];
const WORD_SET: CharSet = normalizeSet([
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
]);
/** PCRE's `\h` and `\v`. */
// prettier-ignore
export const HSPACE_SET: CharSet = normalizeSet([
  [9, 9], [32, 32], [0xa0, 0xa0], [0x1680, 0x1680], [0x180e, 0x180e], [0x2000, 0x200a], [0x202f, 0x202f],
  [0x205f, 0x205f], [0x3000, 0x3000],
]);
export const VSPACE_SET: CharSet = normalizeSet([
  [10, 13],
  [0x85, 0x85],
  [0x2028, 0x2029],
]);

/** The code points a class escape stands for. */
export function escapeSet(name: ClassEscape): CharSet {
  // prettier-ignore
  switch (name) {
    case 'd': return DIGIT_SET;
    case 'D': return complementSet(DIGIT_SET);
    case 'w': return WORD_SET;
    case 'W': return complementSet(WORD_SET);
    case 's': return SPACE_SET;
    case 'S': return complementSet(SPACE_SET);
    case 'h': return HSPACE_SET;
    case 'H': return complementSet(HSPACE_SET);
    case 'v': return VSPACE_SET;
    case 'V': return complementSet(VSPACE_SET);
  }
}

/**
 * Over-approximates what a case-insensitive engine may match for `set`: ASCII letters get their other
 * case, `s`/`k` get U+017F/U+212A (Unicode simple folding maps those onto ASCII), and any non-ASCII member
 * widens to all of non-ASCII, because folding among non-ASCII letters is not tabulated here.
 */
function foldOver(set: CharSet): CharSet {
  const extra: [number, number][] = [];
  const has = (cp: number): boolean => set.some(([lo, hi]) => lo <= cp && cp <= hi);
  for (const [lo, hi] of set) {
    for (const [a, b, delta] of [
      [65, 90, 32],
      [97, 122, -32],
    ] as const) {
      const from = Math.max(lo, a);
      const to = Math.min(hi, b);
      if (from <= to) extra.push([from + delta, to + delta]);
    }
  }
  if (set.some(([, hi]) => hi >= 0x80))
    extra.push([0x80, MAX_CODE_POINT], [75, 75], [83, 83], [107, 107], [115, 115]);
  if (has(83) || has(115)) extra.push([0x17f, 0x17f]);
  if (has(75) || has(107)) extra.push([0x212a, 0x212a]);
  return normalizeSet([...set, ...extra]);
}

/**
 * A superset of the code points a single-character node can match (with its case flag). Unicode
 * properties are not tabulated, so a class holding one is taken to match anything.
 */
export function nodeCharSet(node: RegexNode): CharSet | undefined {
  switch (node.kind) {
    case 'char':
      return node.ci ? foldOver([[node.cp, node.cp]]) : [[node.cp, node.cp]];
    case 'dot':
      return node.dotAll ? ALL : complementSet([[10, 10]]);
    case 'class': {
      if (node.items.some((item) => item.kind === 'property')) return ALL;
      const union = normalizeSet(
        node.items.flatMap((item) =>
          item.kind === 'range'
            ? [[item.lo, item.hi] as const]
            : item.kind === 'escape'
              ? escapeSet(item.name)
              : [],
        ),
      );
      // Negated under `i`: a character matches when none of its case variants is listed, so the plain
      // complement is already a superset.
      if (node.negated) return complementSet(union);
      return node.ci ? foldOver(union) : union;
    }
    case 'group':
      return node.atomic ? undefined : nodeCharSet(node.body);
    default:
      return undefined;
  }
}
