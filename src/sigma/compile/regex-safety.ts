/**
 * Worst-case cost of running a Sigma regular expression on V8's backtracking engine. This module is the
 * entry point for the regex front end: it re-exports the parser (`regex-parse.ts`) and the AST
 * (`regex-ast.ts`) it analyses.
 *
 * The analysis (`analyzeCost`) bounds the steps a backtracking matcher can take on an input of n UTF-16
 * units, as a function that can be evaluated at any n, plus a symbolic degree:
 * - `W(node, n)` bounds the ways a node can match from one position on one fixed input (how many times it
 *   hands control to what follows); `S(node, n)` bounds the steps spent inside it per entry.
 * - Concatenation: `S(AB) = S(A) + W(A)·S(B)`, `W(AB) = W(A)·W(B)`. Alternation sums (or takes the max
 *   when the branches' first characters are disjoint, as then only one branch can match). A quantifier
 *   over X with W(X) ≤ 1 that cannot match empty has as many ways as repeat counts (linear); otherwise
 *   the ways grow as W(X)^count — exponential when the count is unbounded or large.
 * - A quantified single-character item followed by something whose first characters it cannot match
 *   (`[^\\]+\\`, `\d+,`) lets at most one of its exits go on, so it does not multiply what follows.
 * - The whole test is `(start positions) · (S(root) + 1)`, with one start position when anchored by `^`;
 *   unanchored, two loop shapes are costed on average over all start positions (`rootShape`).
 * This is a sound over-estimate under the model (each step a constant-time engine action); it is not a
 * measurement. `regex-safety.test.ts` checks it against a step-counting backtracking matcher on random
 * patterns. The degree is reported for people; the numeric bound decides which engine runs.
 */
import type { CharSet, RegexNode } from './regex-ast.js';
import { ALL, nodeCharSet, normalizeSet, setsIntersect } from './regex-ast.js';

export type {
  AssertionKind,
  CharSet,
  ClassEscape,
  ClassItem,
  ParsedRegex,
  ParseResult,
  RegexErrorCode,
  RegexFlags,
  RegexNode,
} from './regex-ast.js';
export { complementSet, escapeSet, MAX_CODE_POINT, nodeCharSet, normalizeSet, setSize } from './regex-ast.js';
export { parseSigmaRegex } from './regex-parse.js';

export type Complexity = 'linear' | 'polynomial' | 'exponential';

export interface RegexCost {
  /** Worst-case growth of V8 steps with input length: linear, polynomial (degree ≥ 2) or exponential. */
  readonly complexity: Complexity;
  /** The d of O(n^d) for a whole `test()` (start positions included); `Infinity` when exponential. */
  readonly degree: number;
  /** True when only the first position is tried (the pattern starts with `^` or `\A` in every branch). */
  readonly anchored: boolean;
  /** Upper bound on the backtracking steps of one `test()` on an input of `n` UTF-16 units. */
  steps(n: number): number;
}

/** Quantifiers with a maximum above this count as unbounded for the degree (the brief's "large"). */
export const LARGE_REPEAT = 10;

interface Cost {
  readonly w: number;
  readonly s: number;
}

interface Growth {
  /** Degree of W and S in n; Infinity for exponential. */
  readonly w: number;
  readonly s: number;
}

interface Shape {
  readonly cost: (n: number) => Cost;
  readonly growth: Growth;
  readonly nullable: boolean;
  /** Superset of the first characters a match consumes. */
  readonly first: CharSet;
  /** Set when the node always consumes exactly one character from this set. */
  readonly single: CharSet | undefined;
  /** Steps the node takes before failing when the next character is not in `first`; undefined if unknown. */
  readonly head: ((n: number) => number) | undefined;
  /** For a (non-possessive) quantifier over a single character: the shape of that character. */
  readonly loopBody: Shape | undefined;
}

const EMPTY_SET: CharSet = [];
const ONE: Cost = { w: 1, s: 1 };
const BIG_N = 2 ** 30;
const MAX_DISJOINT_CHECK = 64;

/** a·b where a zero count of ways wins over an infinite cost. */
function times(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : a * b;
}

/** Σ_{r=a}^{b} w^r, saturating to Infinity. */
function geometric(w: number, a: number, b: number): number {
  if (b < a) return 0;
  if (w === 0) return a === 0 ? 1 : 0;
  if (w === 1) return b - a + 1;
  const top = w ** (b + 1);
  return Number.isFinite(top) ? (top - w ** a) / (w - 1) : Infinity;
}

function atomShape(single: CharSet | undefined): Shape {
  return {
    cost: () => ONE,
    growth: { w: 0, s: 0 },
    nullable: single === undefined,
    first: single ?? EMPTY_SET,
    single,
    head: single === undefined ? undefined : () => 1,
    loopBody: undefined,
  };
}

function concatShape(shapes: readonly Shape[]): Shape {
  // stop[i]: item i is a quantified single character whose set is disjoint from what the rest of the
  // concatenation must start with, so at most one of its exits gets past the rest's first character.
  const count = shapes.length;
  const suffixNullable: boolean[] = new Array<boolean>(count + 1).fill(true);
  const suffixFirst: CharSet[] = new Array<CharSet>(count + 1).fill(EMPTY_SET);
  for (let i = count - 1; i >= 0; i--) {
    const shape = shapes[i]!;
    suffixNullable[i] = shape.nullable && suffixNullable[i + 1]!;
    suffixFirst[i] = shape.nullable ? normalizeSet([...shape.first, ...suffixFirst[i + 1]!]) : shape.first;
  }
  const stop = shapes.map(
    (shape, i) =>
      shape.loopBody?.single !== undefined &&
      !suffixNullable[i + 1]! &&
      !setsIntersect(shape.loopBody.single, suffixFirst[i + 1]!),
  );
  // Whether the item after i fails within a known cost when its first character does not match.
  const hasHead = (i: number): boolean => {
    const next = shapes[i + 1];
    return next !== undefined && !next.nullable && next.head !== undefined;
  };
  const headAfter = (i: number, n: number, rest: number): number =>
    hasHead(i) ? shapes[i + 1]!.head!(n) : rest;
  // Both passes run backward so each suffix is costed once: linear in the number of items.
  const cost = (n: number): Cost => {
    let w = 1;
    let s = 0;
    for (let i = count - 1; i >= 0; i--) {
      const item = shapes[i]!.cost(n);
      if (stop[i]) s = item.s + times(item.w, headAfter(i, n, s + 1)) + s;
      else [s, w] = [item.s + times(item.w, s), times(item.w, w)];
    }
    return { w, s: s + 1 };
  };
  let wSum = 0;
  // An empty suffix costs nothing, so the last item's ways multiply nothing: start below any degree.
  let sMax = -Infinity;
  for (let i = count - 1; i >= 0; i--) {
    const g = shapes[i]!.growth;
    if (stop[i]) sMax = Math.max(g.s, g.w + (hasHead(i) ? 0 : sMax), sMax);
    else [sMax, wSum] = [Math.max(g.s, sMax === -Infinity ? -Infinity : g.w + sMax), g.w + wSum];
  }
  const lead = shapes[0];
  return {
    cost,
    growth: { w: wSum, s: Math.max(sMax, 0) },
    nullable: suffixNullable[0]!,
    first: suffixFirst[0]!,
    single: count === 1 ? lead!.single : undefined,
    head: lead !== undefined && !lead.nullable && lead.head !== undefined ? lead.head : undefined,
    loopBody: count === 1 ? lead!.loopBody : undefined,
  };
}

function altShape(shapes: readonly Shape[]): Shape {
  const nullable = shapes.some((shape) => shape.nullable);
  // Beyond a few dozen branches the pairwise check is not worth its quadratic cost; overlapping is the
  // safe assumption.
  let overlapping = nullable || shapes.length > MAX_DISJOINT_CHECK;
  for (let i = 0; i < shapes.length && !overlapping; i++) {
    for (let j = i + 1; j < shapes.length && !overlapping; j++) {
      overlapping = setsIntersect(shapes[i]!.first, shapes[j]!.first);
    }
  }
  const singles = shapes.map((shape) => shape.single);
  const heads = shapes.map((shape) => shape.head);
  return {
    cost: (n) => {
      let w = 0;
      let s = 1;
      for (const shape of shapes) {
        const cost = shape.cost(n);
        w = overlapping ? w + cost.w : Math.max(w, cost.w);
        s += cost.s;
      }
      return { w, s };
    },
    growth: {
      w: Math.max(...shapes.map((shape) => shape.growth.w)),
      s: Math.max(...shapes.map((shape) => shape.growth.s)),
    },
    nullable,
    first: normalizeSet(shapes.flatMap((shape) => shape.first)),
    single: singles.every((set) => set !== undefined) ? normalizeSet(singles.flat()) : undefined,
    head:
      nullable || heads.some((head) => head === undefined)
        ? undefined
        : (n) => heads.reduce((sum, head) => sum + head!(n), 1),
    loopBody: undefined,
  };
}

function repeatShape(node: Extract<RegexNode, { kind: 'repeat' }>, body: Shape): Shape {
  const { min, max, possessive } = node;
  const iterations = (n: number): number => Math.min(max, body.nullable ? min + n : n);
  const cost = (n: number): Cost => {
    const inner = body.cost(n);
    const done = iterations(n);
    const entries = max === 0 ? 0 : geometric(inner.w, 0, Math.min(done, max - 1));
    const s = 1 + entries * (inner.s + 1);
    const w = geometric(inner.w, min, done);
    // Possessive quantifiers run as an atomic group: one way out, plus the emulation's backreference.
    return possessive ? { w: Math.min(w, 1), s: s + n + 1 } : { w, s };
  };
  let growth: Growth;
  const g = body.growth;
  if (max > LARGE_REPEAT) {
    const deterministic = !body.nullable && body.cost(BIG_N).w <= 1;
    growth = deterministic ? { w: 1 + g.w, s: 1 + g.s } : { w: Infinity, s: Infinity };
  } else {
    growth = { w: times(max, g.w), s: times(max - 1, g.w) + g.s };
  }
  if (possessive) growth = { w: 0, s: Math.max(growth.s, 1) };
  return {
    cost,
    growth,
    nullable: min === 0 || body.nullable,
    first: body.first,
    single: undefined,
    head: min >= 1 && body.head !== undefined ? (n) => body.head!(n) + 1 : undefined,
    loopBody: possessive || body.single === undefined ? undefined : body,
  };
}

function groupShape(body: Shape): Shape {
  const head = body.head;
  return {
    ...body,
    cost: (n) => {
      const cost = body.cost(n);
      return { w: cost.w, s: cost.s + 1 };
    },
    head: head === undefined ? undefined : (n) => head(n) + 1,
  };
}

function shapeOf(node: RegexNode): Shape {
  switch (node.kind) {
    case 'empty':
    case 'assert':
      return atomShape(undefined);
    case 'char':
    case 'class':
    case 'dot':
      return atomShape(nodeCharSet(node));
    case 'backref':
      // Compares up to n characters; the group may have captured anything.
      return {
        ...atomShape(undefined),
        cost: (n) => ({ w: 1, s: n + 1 }),
        growth: { w: 0, s: 1 },
        first: ALL,
      };
    case 'look': {
      const body = shapeOf(node.body);
      return {
        ...atomShape(undefined),
        cost: (n) => ({ w: 1, s: 1 + body.cost(n).s }),
        growth: { w: 0, s: body.growth.s },
      };
    }
    case 'group': {
      const body = shapeOf(node.body);
      if (node.atomic) {
        // Emulated as (?=(X))\k: one way out, plus a backreference comparison.
        return {
          ...body,
          cost: (n) => ({ w: Math.min(1, body.cost(n).w), s: body.cost(n).s + n + 2 }),
          growth: { w: 0, s: Math.max(body.growth.s, 1) },
          single: undefined,
          loopBody: undefined,
        };
      }
      return groupShape(body);
    }
    case 'concat':
      return concatShape(node.items.map(shapeOf));
    case 'alt':
      return altShape(node.branches.map(shapeOf));
    case 'repeat':
      return repeatShape(node, shapeOf(node.body));
  }
}

function anchoredAtStart(node: RegexNode): boolean {
  switch (node.kind) {
    case 'assert':
      return node.assertion === 'start';
    case 'concat':
      return node.items[0] !== undefined && anchoredAtStart(node.items[0]);
    case 'group':
      return !node.atomic && anchoredAtStart(node.body);
    case 'alt':
      return node.branches.every(anchoredAtStart);
    default:
      return false;
  }
}

/**
 * The pattern as a whole (unanchored), with two refinements that only hold at the top, where every start
 * position is tried and the first success ends the test. Both replace a per-start cost by its average over all starts,
 * which is sound because the total is linear in it.
 * - A loop over a single character class C right after a prefix of single, one-way characters whose last
 *   one is not in C can only begin at the first character of a run of C, so its scans from all start
 *   positions are disjoint: at most 2(n+1) iterations and exits in all, not (n+1)·n.
 * - A single-character loop that ends the pattern runs to its end once, on success; on failure it stops
 *   after at most `min + 1` characters.
 */
function rootShape(node: RegexNode): Shape {
  if (node.kind === 'alt') return altShape(node.branches.map(rootShape));
  if (node.kind === 'group' && !node.atomic) return groupShape(rootShape(node.body));
  if (node.kind !== 'concat') return shapeOf(node);
  const shapes = node.items.map(shapeOf);
  let prefix = 0;
  while (prefix < shapes.length && shapes[prefix]!.single !== undefined && shapes[prefix]!.cost(BIG_N).w <= 1)
    prefix++;
  const loop = shapes[prefix];
  const before = shapes[prefix - 1];
  if (
    loop?.loopBody !== undefined &&
    before !== undefined &&
    !setsIntersect(before.single!, loop.loopBody.single!)
  ) {
    const body = loop.loopBody;
    shapes[prefix] = {
      ...loop,
      cost: (n) => {
        const full = loop.cost(n);
        return { w: Math.min(full.w, 2), s: Math.min(full.s, 1 + 2 * (body.cost(n).s + 1)) };
      },
      growth: { w: 0, s: body.growth.s },
    };
  }
  const lastIndex = shapes.length - 1;
  const last = node.items[lastIndex];
  const trailing = shapes[lastIndex];
  if (last?.kind === 'repeat' && trailing?.loopBody !== undefined && lastIndex !== prefix) {
    const body = trailing.loopBody;
    shapes[lastIndex] = {
      ...trailing,
      cost: (n) => {
        const full = trailing.cost(n);
        return { w: full.w, s: Math.min(full.s, (last.min + 2) * (body.cost(n).s + 1) + 1) };
      },
      growth: { w: trailing.growth.w, s: body.growth.s },
    };
  }
  return concatShape(shapes);
}

/** Bounds the work of V8's backtracking `test()` for a parsed pattern (see the file comment). */
export function analyzeCost(ast: RegexNode): RegexCost {
  const anchored = anchoredAtStart(ast);
  // The root refinements average over all start positions; an anchored pattern has only one.
  const shape = anchored ? shapeOf(ast) : rootShape(ast);
  const degree = (anchored ? 0 : 1) + shape.growth.s;
  return {
    complexity: degree === Infinity ? 'exponential' : degree <= 1 ? 'linear' : 'polynomial',
    degree,
    anchored,
    steps: (n) => (anchored ? 1 : n + 1) * (shape.cost(n).s + 1),
  };
}

/**
 * The longest input (in UTF-16 units) whose step bound stays within `budget`; `Infinity` when a linear
 * pattern spends at most `perChar` steps per input character at any length, as a linear-time engine would.
 */
export function maxSafeLength(cost: RegexCost, budget: number, perChar: number): number {
  if (cost.complexity === 'linear' && cost.steps(BIG_N) <= perChar * (BIG_N + 1)) return Infinity;
  if (cost.steps(0) > budget) return -1;
  let lo = 0;
  let hi = 1;
  while (hi < BIG_N && cost.steps(hi) <= budget) [lo, hi] = [hi, hi * 2];
  if (hi >= BIG_N && cost.steps(hi) <= budget) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (cost.steps(mid) <= budget) lo = mid;
    else hi = mid;
  }
  return lo;
}
