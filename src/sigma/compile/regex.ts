/**
 * Compiles a Sigma `re` value into a matcher that cannot hang the engine.
 *
 * The pattern is parsed once (`regex-safety.ts`) and emitted twice from the same AST: for V8 (fast,
 * backtracking) and for RE2 (linear time, several times slower per test through the binding). The cost analysis gives the longest input
 * for which V8's worst case stays within a step budget; `test()` uses V8 up to that length and RE2 beyond.
 * Patterns with exponential worst cases always run on RE2. Patterns RE2 cannot run (lookaround,
 * backreferences, atomic groups, possessive quantifiers, `\Z`) run on V8 within the budget and answer
 * `'skipped'` beyond it, so the caller counts "regex evaluation skipped (input too long)" instead of
 * reporting a non-match; if such a pattern is also exponential the rule is rejected (`regex-unsafe`).
 *
 * Semantics (the same on both engines, since both sources are generated): `.` is any character but `\n`
 * (`s`: any); `^`/`$` are the input's start/end (`m`: also next to `\n`; `$` does not match before a final
 * newline, as in RE2, Rust and Go — use `\Z` for PCRE's behaviour); `\d` `\w` `\b` are ASCII; `\s` is
 * JavaScript's whitespace set; `i` uses Unicode simple case folding (so `s` also matches U+017F), except
 * that `\b` under `i` treats U+017F and U+212A as word characters on V8 and not on RE2. Matching works on
 * code points. Inline flags that change case sensitivity part-way (`a(?i)b`) are emitted as explicit
 * case classes built from `toLowerCase`/`toUpperCase`.
 */
import RE2 from 're2';

import type { AssertionKind, CharSet, ClassItem, Complexity, RegexFlags, RegexNode } from './regex-safety.js';
import {
  analyzeCost,
  escapeSet,
  MAX_CODE_POINT,
  maxSafeLength,
  normalizeSet,
  parseSigmaRegex,
  setSize,
} from './regex-safety.js';

export type { RegexFlags } from './regex-safety.js';

/**
 * Which engine `test()` uses: `v8` for every input (linear worst case); `re2` for every input (exponential
 * on V8); `v8+re2` V8 up to `v8MaxLength` then RE2; `v8-bounded` V8 up to `v8MaxLength` then `'skipped'`.
 */
export type RegexEngine = 'v8' | 're2' | 'v8+re2' | 'v8-bounded';

/** `'skipped'`: the input is too long to evaluate this pattern safely; it is neither a match nor a miss. */
export type RegexTestResult = boolean | 'skipped';

export interface RegexMatcher {
  readonly engine: RegexEngine;
  /** Inputs up to this many UTF-16 units run on V8 (`Infinity`: all; `-1`: none). */
  readonly v8MaxLength: number;
  readonly complexity: Complexity;
  /** Worst-case degree of V8 steps in the input length (`Infinity` when exponential). */
  readonly degree: number;
  /**
   * Lowercase ASCII strings one of which occurs in `value.toLowerCase()` whenever `test(value)` is true;
   * undefined when none could be proven. Short ones (1–2 characters) are correct but weak filters.
   */
  readonly literals: readonly string[] | undefined;
  /**
   * Groups of lowercase ASCII strings: whenever `test(value)` is true, `value.toLowerCase()` contains one
   * string of every group. When `literals` is defined it is the first group; the others come from the parts
   * of the pattern.
   */
  readonly literalGroups: readonly (readonly string[])[];
  /** The generated V8 source and flags (for diagnostics and differential tests). */
  readonly v8: { readonly source: string; readonly flags: string };
  /** The generated RE2 source and flags, or why RE2 cannot run the pattern. */
  readonly re2: { readonly source: string; readonly flags: string } | { readonly unsupported: string };
  test(value: string): RegexTestResult;
}

export interface RegexCompileOptions {
  /**
   * Worst-case V8 steps (in the model of `regex-safety.ts`) allowed for one test; default 1e7. The model
   * over-estimates: adversarial inputs at the resulting lengths took at most about 2 ms on V8.
   */
  readonly stepBudget?: number;
}

export type RegexCompileResult =
  | { readonly ok: true; readonly matcher: RegexMatcher }
  | { readonly ok: false; readonly code: string; readonly message: string };

export const DEFAULT_STEP_BUDGET = 1e7;
/** A linear pattern costing at most this many V8 steps per input character runs on V8 at any length. */
const LINEAR_STEPS_PER_CHAR = 64;
/** RE2 rejects repeat counts above this. */
const RE2_MAX_REPEAT = 1000;
/** Code points walked for case variants, per pattern (mixed-case patterns only). */
const MAX_FOLD_WALK = 16_384;

class NotEmittable extends Error {}

// ---------------------------------------------------------------------------------------------------------
// Emission.

type Target = 'v8' | 're2';

interface EmitContext {
  readonly target: Target;
  /** Case folding is spelled out in classes, because case sensitivity changes inside the pattern. */
  readonly manualFold: boolean;
  /** V8 group numbers: user groups that backreferences need, and the groups atomic emulation adds. */
  readonly groupNumbers: ReadonlyMap<RegexNode, number>;
  readonly userGroups: ReadonlyMap<number, number>;
  /** Hand-folded class items, shared by both emissions, and what is left of the folding budget. */
  readonly folds: Map<RegexNode, readonly ClassItem[]>;
  readonly foldBudget: { left: number };
}

const hex = (cp: number): string => cp.toString(16);
const V8_SYNTAX = new Set('^$\\.*+?()[]{}|/');

function emitChar(cp: number, target: Target, inClass: boolean): string {
  const printable = cp >= 0x20 && cp <= 0x7e;
  if (!printable) return target === 'v8' ? `\\u{${hex(cp)}}` : `\\x{${hex(cp)}}`;
  const ch = String.fromCharCode(cp);
  if (/[0-9A-Za-z ]/.test(ch)) return ch;
  if (inClass) return '\\]['.includes(ch) || ch === '^' || ch === '-' ? `\\${ch}` : ch;
  // RE2 accepts a backslash before any ASCII punctuation; V8's unicode mode only before syntax characters.
  return target === 're2' || V8_SYNTAX.has(ch) ? `\\${ch}` : ch;
}

function emitRange(lo: number, hi: number, target: Target): string {
  return lo === hi
    ? emitChar(lo, target, true)
    : `${emitChar(lo, target, true)}-${emitChar(hi, target, true)}`;
}

function emitSet(set: CharSet, target: Target): string {
  return set.map(([lo, hi]) => emitRange(lo, hi, target)).join('');
}

/** Case variants by `toLowerCase`/`toUpperCase`, for mixed-case patterns. */
function caseVariants(cp: number): number[] {
  const out = [cp];
  const ch = String.fromCodePoint(cp);
  for (const variant of [ch.toLowerCase(), ch.toUpperCase()]) {
    const v = variant.codePointAt(0)!;
    if ([...variant].length === 1 && !out.includes(v)) out.push(v);
  }
  return out;
}

/**
 * Adds case variants to a class's ranges. Walking code points is budgeted per pattern (`budget.left`);
 * past it only the ASCII letters' other case is added, which is what matters in practice.
 */
function foldRanges(ranges: readonly (readonly [number, number])[], budget: { left: number }): CharSet {
  const extra: [number, number][] = [];
  for (const [lo, hi] of ranges) {
    if (hi - lo + 1 <= budget.left) {
      budget.left -= hi - lo + 1;
      for (let cp = lo; cp <= hi; cp++) for (const v of caseVariants(cp)) extra.push([v, v]);
      continue;
    }
    for (const [a, b, delta] of [
      [65, 90, 32],
      [97, 122, -32],
    ] as const) {
      if (Math.max(lo, a) <= Math.min(hi, b)) extra.push([Math.max(lo, a) + delta, Math.min(hi, b) + delta]);
    }
  }
  return normalizeSet([...ranges, ...extra]);
}

function emitClassItem(item: ClassItem, target: Target): string {
  if (item.kind === 'range') return emitRange(item.lo, item.hi, target);
  if (item.kind === 'property') return `\\${item.negated ? 'P' : 'p'}{${item.name}}`;
  // Both engines agree on \d \w and their negations; \s differs (RE2's is ASCII) and \h \v are PCRE's.
  if ('dDwW'.includes(item.name) || (target === 'v8' && 'sS'.includes(item.name))) return `\\${item.name}`;
  return emitSet(escapeSet(item.name), target);
}

function emitClass(node: Extract<RegexNode, { kind: 'class' }>, ctx: EmitContext): string {
  let items = node.items;
  if (ctx.manualFold && node.ci) {
    // Folded once and shared, so both engines get the same set whatever the budget left.
    let folded = ctx.folds.get(node);
    if (folded === undefined) {
      const ranges = items.flatMap((item) => (item.kind === 'range' ? [[item.lo, item.hi] as const] : []));
      const others = items.filter((item) => item.kind !== 'range');
      folded = [
        ...foldRanges(ranges, ctx.foldBudget).map(([lo, hi]): ClassItem => ({ kind: 'range', lo, hi })),
        ...others,
      ];
      ctx.folds.set(node, folded);
    }
    items = folded;
  }
  if (items.length === 0) {
    if (ctx.target === 'v8') return node.negated ? '[^]' : '[]';
    return node.negated ? '(?s:.)' : `[^\\x{0}-\\x{${hex(MAX_CODE_POINT)}}]`;
  }
  // A lone escape or property needs no brackets.
  if (!node.negated && items.length === 1 && items[0]!.kind !== 'range') {
    const text = emitClassItem(items[0]!, ctx.target);
    if (text.startsWith('\\') && !text.slice(2).includes('\\')) return text;
  }
  return `[${node.negated ? '^' : ''}${items.map((item) => emitClassItem(item, ctx.target)).join('')}]`;
}

function emitAssertion(assertion: AssertionKind, target: Target): string {
  switch (assertion) {
    case 'start':
      return '^';
    case 'end':
      return '$';
    case 'line-start':
      return target === 'v8' ? '(?<![^\\n])' : '(?m:^)';
    case 'line-end':
      return target === 'v8' ? '(?![^\\n])' : '(?m:$)';
    case 'word':
      return '\\b';
    case 'not-word':
      // RE2 works on UTF-8 bytes and finds \B between the bytes of one multi-byte character.
      if (target === 're2') throw new NotEmittable('\\B (it would match inside multi-byte characters)');
      return '\\B';
    case 'end-before-newline':
      if (target === 're2') throw new NotEmittable('\\Z (end before a final newline)');
      return '(?=\\n?$)';
  }
}

function emit(node: RegexNode, ctx: EmitContext): string {
  const { target } = ctx;
  switch (node.kind) {
    case 'empty':
      return '';
    case 'char': {
      if (ctx.manualFold && node.ci) {
        const variants = caseVariants(node.cp);
        if (variants.length > 1) return `[${variants.map((cp) => emitChar(cp, target, true)).join('')}]`;
      }
      return emitChar(node.cp, target, false);
    }
    case 'dot':
      if (node.dotAll) return target === 'v8' ? '[^]' : '(?s:.)';
      return '[^\\n]';
    case 'class':
      return emitClass(node, ctx);
    case 'assert':
      return emitAssertion(node.assertion, target);
    case 'look':
      if (target === 're2') throw new NotEmittable(node.behind ? 'lookbehind' : 'lookahead');
      return `(?${node.behind ? '<' : ''}${node.negated ? '!' : '='}${emit(node.body, ctx)})`;
    case 'group': {
      const body = emit(node.body, ctx);
      if (node.atomic) return atomicGroup(body, node, ctx);
      const wanted = node.capture !== undefined && ctx.userGroups.has(node.capture);
      return wanted ? `(${body})` : `(?:${body})`;
    }
    case 'concat':
      return node.items.map((item) => emit(item, ctx)).join('');
    case 'alt':
      return node.branches.map((branch) => emit(branch, ctx)).join('|');
    case 'repeat': {
      if (
        target === 're2' &&
        (node.min > RE2_MAX_REPEAT || (node.max !== Infinity && node.max > RE2_MAX_REPEAT))
      ) {
        throw new NotEmittable(`a repeat count above ${RE2_MAX_REPEAT}`);
      }
      const body = emit(node.body, ctx);
      const { min, max } = node;
      // prettier-ignore
      const quantifier =
        min === 0 && max === Infinity ? '*'
        : min === 1 && max === Infinity ? '+'
        : min === 0 && max === 1 ? '?'
        : max === Infinity ? `{${min},}`
        : min === max ? `{${min}}`
        : `{${min},${max}}`;
      // Groups, characters, classes and backreferences are emitted as single atoms already.
      const atomic =
        node.body.kind !== 'concat' &&
        node.body.kind !== 'alt' &&
        node.body.kind !== 'repeat' &&
        node.body.kind !== 'empty';
      const text = `${atomic ? body : `(?:${body})`}${quantifier}${node.lazy ? '?' : ''}`;
      return node.possessive ? atomicGroup(text, node, ctx) : text;
    }
    case 'backref': {
      if (target === 're2') throw new NotEmittable('a backreference');
      if (ctx.manualFold && node.ci)
        throw new NotEmittable('a case-insensitive backreference in a mixed-case pattern');
      return `(?:\\${ctx.userGroups.get(node.group)!})`;
    }
  }
}

/** JavaScript has no atomic groups; `(?=(X))\N` commits to X's first match the same way. */
function atomicGroup(body: string, node: RegexNode, ctx: EmitContext): string {
  if (ctx.target === 're2') throw new NotEmittable('an atomic group or possessive quantifier');
  const number = ctx.groupNumbers.get(node)!;
  return `(?:(?=(${body}))\\${number})`;
}

/** Numbers V8 capture groups in emission (pre-)order: referenced user groups, then atomic emulations. */
function numberGroups(ast: RegexNode): {
  groupNumbers: Map<RegexNode, number>;
  userGroups: Map<number, number>;
} {
  const referenced = new Set<number>();
  const collect = (node: RegexNode): void => {
    if (node.kind === 'backref') referenced.add(node.group);
    for (const child of childrenOf(node)) collect(child);
  };
  collect(ast);
  const groupNumbers = new Map<RegexNode, number>();
  const userGroups = new Map<number, number>();
  let next = 0;
  const walk = (node: RegexNode): void => {
    if (node.kind === 'group' && node.capture !== undefined && referenced.has(node.capture))
      userGroups.set(node.capture, ++next);
    if ((node.kind === 'group' && node.atomic) || (node.kind === 'repeat' && node.possessive))
      groupNumbers.set(node, ++next);
    for (const child of childrenOf(node)) walk(child);
  };
  walk(ast);
  return { groupNumbers, userGroups };
}

function childrenOf(node: RegexNode): readonly RegexNode[] {
  switch (node.kind) {
    case 'look':
    case 'group':
    case 'repeat':
      return [node.body];
    case 'concat':
      return node.items;
    case 'alt':
      return node.branches;
    default:
      return [];
  }
}

/** 'all' when every case-sensitive item is case-insensitive (the engine's `i` flag does it), 'mixed' when some are. */
function caseMode(ast: RegexNode): 'none' | 'all' | 'mixed' {
  let sensitive = false;
  let insensitive = false;
  const walk = (node: RegexNode): void => {
    if (node.kind === 'char' || node.kind === 'class' || node.kind === 'backref') {
      if (node.ci) insensitive = true;
      else sensitive = true;
    }
    for (const child of childrenOf(node)) walk(child);
  };
  walk(ast);
  return insensitive ? (sensitive ? 'mixed' : 'all') : 'none';
}

// ---------------------------------------------------------------------------------------------------------
// Required literals, for the prefilter.

const LITERAL_SET_LIMIT = 32;
const MAX_LITERAL_LENGTH = 64;

interface Lit {
  /** Every string the node can match (lowercased), when few. */
  readonly exact?: ReadonlySet<string>;
  /** Every match starts (ends) with one of these. */
  readonly prefix?: ReadonlySet<string>;
  readonly suffix?: ReadonlySet<string>;
  /** Every match contains one of these (none empty). */
  readonly required?: ReadonlySet<string>;
  /** Further sets each of which every match contains a string of (from the parts of a concatenation). */
  readonly also?: readonly ReadonlySet<string>[];
}

/** At most this many sets are kept in `Lit.also`, and returned by `requiredLiteralGroups`. */
const MAX_ALSO = 16;
const MAX_LITERAL_GROUPS = 4;

const EMPTY_LIT: Lit = { exact: new Set(['']) };
const UNKNOWN: Lit = {};

/** The lowercase form a prefilter can rely on, or undefined when `cp` may match text that lowercases otherwise. */
function literalChar(cp: number, ci: boolean): string | undefined {
  // Non-ASCII text may lowercase context-dependently (final sigma) or not to the pattern's letter; under
  // `i`, `s` also matches U+017F, which lowercases to itself.
  if (cp >= 0x80 || (ci && (cp === 0x53 || cp === 0x73))) return undefined;
  return String.fromCharCode(cp).toLowerCase();
}

/** Joins every string of `a` with every string of `b`; undefined when there would be too many or too long. */
function cross(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> | undefined {
  if (a.size * b.size > LITERAL_SET_LIMIT) return undefined;
  const out = new Set<string>();
  for (const x of a) {
    for (const y of b) {
      // Longer literals filter no better, and growing them character by character would be quadratic.
      if (x.length + y.length > MAX_LITERAL_LENGTH) return undefined;
      out.add(x + y);
    }
  }
  return out;
}

function union(sets: readonly (ReadonlySet<string> | undefined)[]): Set<string> | undefined {
  if (sets.some((set) => set === undefined)) return undefined;
  const out = new Set<string>(sets.flatMap((set) => [...set!]));
  return out.size <= LITERAL_SET_LIMIT ? out : undefined;
}

function usable(set: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
  return set !== undefined && set.size > 0 && !set.has('') ? set : undefined;
}

function literalScore(set: ReadonlySet<string>): number {
  let shortest = Infinity;
  for (const literal of set) shortest = Math.min(shortest, literal.length);
  return shortest * 16 - Math.min(set.size, 15);
}

function best(candidates: readonly (ReadonlySet<string> | undefined)[]): ReadonlySet<string> | undefined {
  let chosen: ReadonlySet<string> | undefined;
  for (const candidate of candidates.map(usable)) {
    if (candidate !== undefined && (chosen === undefined || literalScore(candidate) > literalScore(chosen)))
      chosen = candidate;
  }
  return chosen;
}

function requiredOf(lit: Lit): ReadonlySet<string> | undefined {
  return best([lit.required, lit.exact, lit.prefix, lit.suffix]);
}

function withRequired(lit: Lit): Lit {
  const required = requiredOf(lit);
  return required === undefined ? lit : { ...lit, required };
}

function classLit(node: Extract<RegexNode, { kind: 'class' }>): Lit {
  if (node.negated || node.items.some((item) => item.kind !== 'range')) return UNKNOWN;
  const set = normalizeSet(
    node.items.flatMap((item) => (item.kind === 'range' ? [[item.lo, item.hi] as const] : [])),
  );
  if (setSize(set) > 8) return UNKNOWN;
  const out = new Set<string>();
  for (const [lo, hi] of set) {
    for (let cp = lo; cp <= hi; cp++) {
      const ch = literalChar(cp, node.ci);
      if (ch === undefined) return UNKNOWN;
      out.add(ch);
    }
  }
  return out.size <= 4 ? withRequired({ exact: out }) : UNKNOWN;
}

/** The usable sets among `sets`, without repeats, most selective first, at most `limit`. */
function rankSets(sets: readonly (ReadonlySet<string> | undefined)[], limit: number): ReadonlySet<string>[] {
  const seen = new Set<string>();
  const out: ReadonlySet<string>[] = [];
  for (const set of sets.map(usable)) {
    if (set === undefined) continue;
    const key = [...set].sort().join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(set);
  }
  return out.sort((a, b) => literalScore(b) - literalScore(a)).slice(0, limit);
}

function concatLit(items: readonly Lit[]): Lit {
  const candidates: (ReadonlySet<string> | undefined)[] = [];
  // Every part must match, so what each part requires, the whole does.
  const also: (ReadonlySet<string> | undefined)[] = items.flatMap((item) => item.also ?? []);
  let run: ReadonlySet<string> = new Set(['']);
  let prefix: ReadonlySet<string> | undefined;
  let boundaries = 0;
  for (const item of items) {
    const joined = item.exact === undefined ? undefined : cross(run, item.exact);
    if (joined !== undefined) {
      run = joined;
      continue;
    }
    const head = item.prefix === undefined ? run : cross(run, item.prefix);
    candidates.push(run, head, item.required ?? requiredOf(item));
    if (boundaries++ === 0) prefix = head ?? run;
    // What follows continues the text this item ends with.
    run = item.exact ?? item.suffix ?? new Set(['']);
  }
  candidates.push(run);
  let suffix: ReadonlySet<string> = new Set(['']);
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    const joinedTail: ReadonlySet<string> | undefined =
      item.exact === undefined ? undefined : cross(item.exact, suffix);
    if (joinedTail !== undefined) {
      suffix = joinedTail;
      continue;
    }
    suffix = item.suffix === undefined ? suffix : (cross(item.suffix, suffix) ?? suffix);
    break;
  }
  const alsoSets = rankSets([...candidates, ...also], MAX_ALSO);
  const lit: Lit = {
    ...(boundaries === 0 ? { exact: run } : {}),
    ...(boundaries === 0 ? { prefix: run } : prefix !== undefined ? { prefix } : {}),
    suffix,
    ...(alsoSets.length > 0 ? { also: alsoSets } : {}),
  };
  const required = best(candidates);
  return required === undefined ? lit : { ...lit, required };
}

function literalsOf(node: RegexNode): Lit {
  switch (node.kind) {
    case 'empty':
    case 'assert':
    case 'look':
      return EMPTY_LIT;
    case 'char': {
      const ch = literalChar(node.cp, node.ci);
      return ch === undefined ? UNKNOWN : withRequired({ exact: new Set([ch]) });
    }
    case 'class':
      return classLit(node);
    case 'dot':
    case 'backref':
      return UNKNOWN;
    case 'group':
      return literalsOf(node.body);
    case 'concat':
      return concatLit(node.items.map(literalsOf));
    case 'alt': {
      const branches = node.branches.map(literalsOf);
      const exact = union(branches.map((b) => b.exact));
      const lit: Lit = {
        ...(exact !== undefined ? { exact } : {}),
        ...optional('prefix', union(branches.map((b) => b.prefix ?? b.exact))),
        ...optional('suffix', union(branches.map((b) => b.suffix ?? b.exact))),
      };
      const required = union(branches.map(requiredOf));
      return required === undefined
        ? withRequired(lit)
        : { ...lit, required: best([required, requiredOf(lit)])! };
    }
    case 'repeat': {
      const body = literalsOf(node.body);
      let exact: Set<string> | undefined;
      if (body.exact !== undefined && node.max <= 4) {
        const powers: (ReadonlySet<string> | undefined)[] = [];
        let power: ReadonlySet<string> | undefined = new Set(['']);
        for (let r = 0; r <= node.max && power !== undefined; r++) {
          if (r >= node.min) powers.push(power);
          if (r < node.max) power = cross(power, body.exact);
        }
        exact = power === undefined ? undefined : union(powers);
      }
      const base: Lit = exact !== undefined ? { exact } : {};
      if (node.min === 0) return withRequired(base);
      return withRequired({
        ...base,
        ...optional('prefix', body.prefix ?? body.exact),
        ...optional('suffix', body.suffix ?? body.exact),
        ...optional('required', requiredOf(body)),
        ...(body.also !== undefined ? { also: body.also } : {}),
      });
    }
  }
}

function optional<K extends string>(
  key: K,
  value: ReadonlySet<string> | undefined,
): { [P in K]?: ReadonlySet<string> } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: ReadonlySet<string> };
}

/** Literals one of which every match contains (lowercased); undefined when none can be proven. */
export function requiredLiterals(ast: RegexNode): string[] | undefined {
  const required = requiredOf(literalsOf(ast));
  return required === undefined ? undefined : minimalLiterals(required);
}

/**
 * Sets of literals (lowercased) each of which every match contains a string of: `requiredLiterals` first,
 * then what the parts of a concatenation require (`a.*b` needs `a` and needs `b`), most selective first.
 * Empty when none can be proven.
 */
export function requiredLiteralGroups(ast: RegexNode): string[][] {
  const lit = literalsOf(ast);
  const first = requiredOf(lit);
  const rest = rankSets(lit.also ?? [], MAX_ALSO).filter((set) => set !== first);
  const groups: string[][] = [];
  for (const set of rankSets([first], 1).concat(rest)) {
    const group = minimalLiterals(set);
    // A group met whenever a kept one is (each of whose literals contains one of its own) adds nothing.
    if (!groups.some((kept) => kept.every((literal) => group.some((other) => literal.includes(other)))))
      groups.push(group);
  }
  return groups.slice(0, MAX_LITERAL_GROUPS);
}

/** A literal that contains another member adds nothing: the shorter one occurs whenever it does. */
function minimalLiterals(set: ReadonlySet<string>): string[] {
  const list = [...set];
  return list.filter((literal) => !list.some((other) => other !== literal && literal.includes(other))).sort();
}

// ---------------------------------------------------------------------------------------------------------
// Compilation.

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Compiles a Sigma `re` value with the `i`/`m`/`s` sub-modifiers. Both engines are compiled here, once per
 * rule value; `test()` does no compilation.
 *
 * @example
 * const result = compileSigmaRegex('(?i)\\\\temp\\\\[a-z]{8}\\.exe$', {});
 * if (result.ok) result.matcher.test('C:\\Temp\\abcdefgh.EXE'); // true
 */
export function compileSigmaRegex(
  pattern: string,
  flags: RegexFlags,
  options: RegexCompileOptions = {},
): RegexCompileResult {
  const parsed = parseSigmaRegex(pattern, flags);
  const shown = pattern.length > 120 ? `${pattern.slice(0, 117)}…` : pattern;
  if (!parsed.ok)
    return { ok: false, code: parsed.code, message: `regular expression /${shown}/: ${parsed.message}` };
  const { ast } = parsed.regex;
  const mode = caseMode(ast);
  const groups = numberGroups(ast);
  const context = {
    manualFold: mode === 'mixed',
    ...groups,
    folds: new Map(),
    foldBudget: { left: MAX_FOLD_WALK },
  };

  let v8Source: string;
  try {
    v8Source = emit(ast, { ...context, target: 'v8' });
  } catch (error) {
    return {
      ok: false,
      code: 'unsupported-regex',
      message: `regular expression /${shown}/: ${message(error)} is not supported`,
    };
  }
  const v8Flags = mode === 'all' ? 'iu' : 'u';
  let v8: RegExp;
  try {
    v8 = new RegExp(v8Source, v8Flags);
  } catch (error) {
    return { ok: false, code: 'invalid-regex', message: `regular expression /${shown}/: ${message(error)}` };
  }

  const re2Flags = mode === 'all' ? 'i' : '';
  let re2Plan: RegexMatcher['re2'];
  try {
    re2Plan = { source: emit(ast, { ...context, target: 're2' }), flags: re2Flags };
  } catch (error) {
    if (!(error instanceof NotEmittable)) throw error;
    re2Plan = { unsupported: `RE2 cannot run ${error.message}` };
  }

  const cost = analyzeCost(ast);
  const budget = options.stepBudget ?? DEFAULT_STEP_BUDGET;
  let v8MaxLength = maxSafeLength(cost, budget, LINEAR_STEPS_PER_CHAR);
  let re2: RE2 | undefined;
  const compileRe2 = (): void => {
    if (re2 !== undefined || !('source' in re2Plan)) return;
    try {
      re2 = new RE2(re2Plan.source, re2Plan.flags);
    } catch (error) {
      re2Plan = { unsupported: `RE2 rejects the pattern: ${message(error)}` };
    }
  };
  // Compiled now when long inputs need it, so a pattern RE2 rejects is known when the rule loads.
  if (v8MaxLength !== Infinity) compileRe2();
  let engine: RegexEngine;
  if (v8MaxLength === Infinity) engine = 'v8';
  else if (re2 !== undefined) {
    if (cost.complexity === 'exponential') v8MaxLength = -1;
    engine = v8MaxLength < 0 ? 're2' : 'v8+re2';
  } else if (cost.complexity === 'exponential') {
    const reason = 'unsupported' in re2Plan ? re2Plan.unsupported : '';
    return {
      ok: false,
      code: 'regex-unsafe',
      message: `regular expression /${shown}/ can take exponential time on a backtracking engine (nested or ambiguous repetition), and ${reason}; rewrite it without nested quantifiers`,
    };
  } else engine = 'v8-bounded';

  const limit = v8MaxLength;
  const matcher: RegexMatcher = {
    engine,
    v8MaxLength,
    complexity: cost.complexity,
    degree: cost.degree,
    literals: requiredLiterals(ast),
    literalGroups: requiredLiteralGroups(ast),
    v8: { source: v8Source, flags: v8Flags },
    get re2() {
      return re2Plan;
    },
    test(value: string): RegexTestResult {
      if (value.length <= limit) {
        try {
          return v8.test(value);
        } catch {
          // V8 throws a RangeError when its backtracking stack overflows on a huge input; RE2 has no stack.
          compileRe2();
        }
      }
      return re2 === undefined ? 'skipped' : re2.test(value);
    },
  };
  return { ok: true, matcher };
}
