/**
 * Compiles one `field|modifiers: values` item into a predicate over an `EventView`, plus what the rule
 * index needs to know about it: groups of literals, one of each group having to occur in a field for the item
 * to hold (`needs`, for the prefilter), and the Windows event IDs it requires (`eventIds`, for the logsource index).
 */
import type { EventView } from '../../events/field-resolver.js';
import { someLeaf } from '../../events/leaves.js';
import type { Location } from '../../issues.js';
import type { FieldMatch, ModifierName, SigmaValue } from '../parse/ast.js';
import { compileSigmaRegex } from './regex.js';
import type { Pattern } from './sigma-string.js';
import {
  compilePattern,
  hasWildcards,
  longestLiteral,
  mapText,
  parseSigmaString,
  patternText,
  plainPattern,
  withLeadingStar,
  withTrailingStar,
} from './sigma-string.js';
import type { ParsedIp, TimePart } from './value-transforms.js';
import {
  base64,
  base64OffsetVariants,
  bytesAsLatin1,
  expandPlaceholders,
  parseCidr,
  parseIp,
  parsedIpInRange,
  timePart,
  utf16be,
  utf16le,
  utf16WithBom,
  utf8Bytes,
  windashVariants,
} from './value-transforms.js';

/** How a literal must occur in the (case-folded) field value. */
export type NeedKind = 'contains' | 'startswith' | 'endswith' | 'equals';

/** A lowercase literal and where it must occur. */
export interface LiteralNeed {
  readonly kind: NeedKind;
  readonly literal: string;
}

/**
 * A literal that must occur in `field` (the event-side name; null: in any value of the event) for a match.
 * Anchored kinds let the index check a value with a short trie walk instead of scanning it.
 */
export interface Need extends LiteralNeed {
  readonly field: string | null;
}

/** Disjunction of needs: one must hold. */
export type Needs = readonly Need[];

/**
 * Conjunction of disjunctions: for a match, every group must have a need that holds. Empty when no literal
 * requirement could be derived (the index then evaluates the predicate for every event of its bucket). An
 * empty group can never hold: the predicate matches nothing.
 */
export type NeedGroups = readonly Needs[];

export interface CompiledPredicate {
  readonly test: (view: EventView) => boolean;
  readonly needs: NeedGroups;
  /** Event IDs one of which the event must have; `null` when any ID may match. */
  readonly eventIds: ReadonlySet<number> | null;
}

export interface CompileOptions {
  /** Sigma field name → event field name, from the logsource mapping variant. */
  readonly renames: ReadonlyMap<string, string>;
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
  /** Counts regex evaluations skipped because the input was too long to evaluate safely. */
  readonly onRegexSkipped: () => void;
}

export class CompileError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly location: Location,
  ) {
    super(message);
    this.name = 'CompileError';
  }
}

const TIME_PARTS = new Set<ModifierName>(['minute', 'hour', 'day', 'week', 'month', 'year']);
const COMPARISONS = new Set<ModifierName>(['lt', 'lte', 'gt', 'gte']);
const ENCODINGS = new Set<ModifierName>(['base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide']);
const POSITIONS = new Set<ModifierName>(['contains', 'startswith', 'endswith']);

type ValueTest = (value: unknown, view: EventView) => boolean;

/** Everything we know about one original rule value after its transformations. */
interface ValueMatcher {
  readonly test: ValueTest;
  /** Literal needs one of which the (lowercased) field text must satisfy; null if none can be derived. */
  readonly literals: readonly LiteralNeed[] | null;
  /** Further groups of needs the text must also satisfy (one of each), when the value alone is tested. */
  readonly alsoNeeds?: readonly (readonly LiteralNeed[])[];
}

function fail(item: FieldMatch, code: string, message: string): never {
  const name = item.field ?? '(keywords)';
  throw new CompileError(code, `${name}|${item.modifiers.join('|')}: ${message}`, item.location);
}

/** Scalars as the text Sigma compares; arrays and objects have no text form. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return undefined;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const trimmed = value.trim();
    const parsed = /^0x[0-9a-f]+$/i.test(trimmed) ? parseInt(trimmed, 16) : Number(trimmed);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/** Applies a per-element test to a value that may be a list (multi-valued field: any element). */
function anyElement(test: ValueTest): ValueTest {
  return (value, view) => {
    if (Array.isArray(value)) {
      for (const element of value) if (test(element, view)) return true;
      return false;
    }
    return test(value, view);
  };
}

export function compileFieldMatch(item: FieldMatch, options: CompileOptions): CompiledPredicate {
  const modifiers = item.modifiers;
  const has = (name: ModifierName): boolean => modifiers.includes(name);
  const all = has('all');
  const neq = has('neq');
  const cased = has('cased');
  const eventField = item.field === null ? null : (options.renames.get(item.field) ?? item.field);

  // The spec forbids `all` on a single value; it means the same as without, so such rules are accepted.
  if (has('exists')) return compileExists(item, eventField);
  if (has('fieldref')) return compileFieldref(item, eventField, cased, neq);
  if ((has('i') || has('m') || has('s')) && !has('re'))
    fail(item, 'modifier-misuse', "'i', 'm' and 's' only qualify 're'");

  // The values of one `cidr` item test the same field: its text is parsed once, not once per range.
  const parseIpOnce = has('cidr') ? lastParsedIp() : parseIp;
  const matchers = item.values.map((value) => compileValue(item, value, options, cased, parseIpOnce));

  let test: ValueTest;
  if (matchers.length === 1) test = matchers[0]!.test;
  else if (all) {
    const tests = matchers.map((matcher) => matcher.test);
    test = (value, view) => tests.every((t) => t(value, view));
  } else {
    const tests = matchers.map((matcher) => matcher.test);
    test = (value, view) => {
      for (const t of tests) if (t(value, view)) return true;
      return false;
    };
  }

  const nullOnly = item.values.every((value) => value.kind === 'null');
  let predicate: (view: EventView) => boolean;
  if (eventField === null) {
    predicate = keywordPredicate(test, all, matchers);
  } else if (neq) {
    const positive = anyElement(test);
    predicate = (view) => {
      const value = view.get(eventField);
      return value !== undefined && !positive(value, view);
    };
  } else {
    const positive = nullOnly ? test : anyElement(test);
    predicate = (view) => positive(view.get(eventField), view);
  }

  let needs: Needs[] = [];
  const inField = (group: readonly LiteralNeed[]): Need[] =>
    group.map((need) => ({ field: eventField, ...need }));
  if (!neq && !nullOnly) {
    if (all || matchers.length === 1) {
      // Every value must match, so each value's literals are a requirement of their own.
      for (const matcher of matchers) {
        if (matcher.literals !== null) needs.push(inField(matcher.literals));
        for (const group of matcher.alsoNeeds ?? []) needs.push(inField(group));
      }
    } else if (matchers.every((matcher) => matcher.literals !== null)) {
      needs = [matchers.flatMap((matcher) => inField(matcher.literals!))];
    }
  }

  let eventIds: Set<number> | null = null;
  if (item.field === 'EventID' && modifiers.length === 0 && !neq) {
    const ids = item.values.map((value) =>
      value.kind === 'number'
        ? value.value
        : value.kind === 'string' && /^\d+$/.test(value.value)
          ? Number(value.value)
          : NaN,
    );
    if (ids.every((id) => Number.isInteger(id))) eventIds = new Set(ids);
  }
  return { test: predicate, needs: normaliseGroups(needs), eventIds };
}

/** Higher is more selective: the shortest literal bounds how often the prefilter fires. */
export function score(needs: readonly LiteralNeed[]): number {
  if (needs.length === 0) return 0;
  let shortest = Infinity;
  let anchored = true;
  for (const need of needs) {
    shortest = Math.min(shortest, need.literal.length);
    if (need.kind === 'contains') anchored = false;
  }
  // Anchored needs cost a short trie walk instead of a scan: worth about half a character of selectivity.
  return shortest * 16 + (anchored ? 8 : 0) - Math.min(needs.length, 15);
}

/** The cheapest sound requirement a (case-folded) pattern puts on a value. */
function patternNeed(pattern: Pattern, keyword: boolean): LiteralNeed | null {
  const segments = pattern.segments;
  const first = segments[0];
  const last = segments[segments.length - 1];
  if (!keyword && first !== undefined && last !== undefined) {
    if (segments.length === 1 && first.kind === 'text') return { kind: 'equals', literal: first.text };
    if (first.kind === 'text') return { kind: 'startswith', literal: first.text };
    if (last.kind === 'text') return { kind: 'endswith', literal: last.text };
  }
  const literal = longestLiteral(pattern);
  return literal === '' ? null : { kind: 'contains', literal };
}

function needKey(need: Need): string {
  return `${need.field}\u0000${need.kind}\u0000${need.literal}`;
}

/** FNV-1a, 32 bits. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * Groups `normaliseGroups` returned, with a hash of their identity (sorted need keys). Conjunctions pass
 * their children's groups up unchanged, so a big detection would otherwise key the same groups at every
 * level. A hash collision can only drop a group, which weakens the prefilter but never changes a result.
 */
const normalisedHashes = new WeakMap<Needs, number>();

/**
 * Drops duplicate needs in a group and duplicate groups; a group with an empty literal is dropped (it holds
 * for every value, so it filters nothing).
 */
export function normaliseGroups(groups: readonly Needs[]): NeedGroups {
  const result: Needs[] = [];
  const seenGroups = new Set<number>();
  for (const group of groups) {
    let normalised: Needs = group;
    let groupHash = normalisedHashes.get(group);
    if (groupHash === undefined) {
      if (group.some((need) => need.literal === '')) continue;
      const seen = new Set<string>();
      const deduped: Need[] = [];
      for (const need of group) {
        const key = needKey(need);
        if (!seen.has(key)) {
          seen.add(key);
          deduped.push(need);
        }
      }
      groupHash = hashOf([...seen].sort().join('\u0001'));
      normalised = deduped;
      normalisedHashes.set(normalised, groupHash);
    }
    if (!seenGroups.has(groupHash)) {
      seenGroups.add(groupHash);
      result.push(normalised);
    }
  }
  return result;
}

function compileExists(item: FieldMatch, eventField: string | null): CompiledPredicate {
  const value = item.values[0];
  if (eventField === null) fail(item, 'modifier-misuse', "'exists' needs a field name");
  if (item.values.length !== 1 || value?.kind !== 'boolean') {
    fail(item, 'modifier-misuse', "'exists' takes one boolean value (true or false)");
  }
  if (item.modifiers.length !== 1)
    fail(item, 'modifier-misuse', "'exists' cannot be combined with other modifiers");
  const expected = value.value;
  return { test: (view) => (view.get(eventField) !== undefined) === expected, needs: [], eventIds: null };
}

function compileFieldref(
  item: FieldMatch,
  eventField: string | null,
  cased: boolean,
  neq: boolean,
): CompiledPredicate {
  if (eventField === null) fail(item, 'modifier-misuse', "'fieldref' needs a field name");
  const allowed = new Set<ModifierName>([
    'fieldref',
    'neq',
    'cased',
    'all',
    'contains',
    'startswith',
    'endswith',
  ]);
  for (const modifier of item.modifiers) {
    if (!allowed.has(modifier))
      fail(item, 'modifier-misuse', `'fieldref' cannot be combined with '${modifier}'`);
  }
  const mode = item.modifiers.includes('contains')
    ? 'contains'
    : item.modifiers.includes('startswith')
      ? 'startswith'
      : item.modifiers.includes('endswith')
        ? 'endswith'
        : 'equals';
  const others = item.values.map((value) => {
    if (value.kind !== 'string') fail(item, 'modifier-misuse', "'fieldref' values must be field names");
    return value.value;
  });
  const compare = (left: string, right: string): boolean => {
    const a = cased ? left : left.toLowerCase();
    const b = cased ? right : right.toLowerCase();
    return mode === 'equals'
      ? a === b
      : mode === 'contains'
        ? a.includes(b)
        : mode === 'startswith'
          ? a.startsWith(b)
          : a.endsWith(b);
  };
  const tests = others.map((other) => (view: EventView): boolean => {
    const left = textOf(view.get(eventField));
    const right = textOf(view.get(other));
    if (left === undefined || right === undefined) return false;
    return compare(left, right) !== neq;
  });
  const all = item.modifiers.includes('all');
  return {
    test: all ? (view) => tests.every((t) => t(view)) : (view) => tests.some((t) => t(view)),
    needs: [],
    eventIds: null,
  };
}

function keywordPredicate(
  test: ValueTest,
  all: boolean,
  matchers: readonly ValueMatcher[],
): (view: EventView) => boolean {
  // Keywords search every value of the event. With `all`, each keyword may be in a different field.
  if (all) {
    const tests = matchers.map((matcher) => matcher.test);
    return (view) => tests.every((t) => someLeaf(view.raw, (leaf) => t(leaf, view)));
  }
  return (view) => someLeaf(view.raw, (leaf) => test(leaf, view));
}

/** `parseIp` remembering its last answer, for the values of one item. */
function lastParsedIp(): (text: string) => ParsedIp | undefined {
  let lastText: string | undefined;
  let last: ParsedIp | undefined;
  return (text) => {
    if (text !== lastText) {
      last = parseIp(text);
      lastText = text;
    }
    return last;
  };
}

function compileValue(
  item: FieldMatch,
  value: SigmaValue,
  options: CompileOptions,
  cased: boolean,
  parseIpText: (text: string) => ParsedIp | undefined,
): ValueMatcher {
  const modifiers = item.modifiers;
  const has = (name: ModifierName): boolean => modifiers.includes(name);
  const keyword = item.field === null;

  if (value.kind === 'null') {
    if (modifiers.some((modifier) => modifier !== 'all'))
      fail(item, 'modifier-misuse', 'null cannot take modifiers');
    return { test: (fieldValue) => fieldValue === undefined || fieldValue === null, literals: null };
  }

  if (has('re')) return compileRegexValue(item, value, options);
  if (has('cidr')) return compileCidrValue(item, value, parseIpText);
  const timePartName = modifiers.find((modifier) => TIME_PARTS.has(modifier)) as TimePart | undefined;
  const comparison = modifiers.find((modifier) => COMPARISONS.has(modifier));
  if (timePartName !== undefined || comparison !== undefined) {
    return compileNumericValue(item, value, timePartName, comparison);
  }

  const stringy = modifiers.some(
    (modifier) =>
      POSITIONS.has(modifier) || ENCODINGS.has(modifier) || modifier === 'windash' || modifier === 'expand',
  );
  if (!stringy && !keyword && (value.kind === 'number' || value.kind === 'boolean')) {
    return compileScalarEquality(value, cased);
  }
  const raw =
    value.kind === 'string' ? value.value : value.kind === 'number' ? value.raw : String(value.value);

  // Transformation chain, in the order written: each original value becomes a set of alternatives.
  let alternatives: (Pattern | Uint8Array)[];
  if (has('expand')) {
    let expanded: { values: string[]; missing: string[] };
    try {
      expanded = expandPlaceholders(raw, options.placeholders);
    } catch (error) {
      fail(item, 'expansion-too-large', (error as Error).message);
    }
    if (expanded.missing.length > 0) {
      fail(
        item,
        'missing-placeholder',
        `placeholder ${expanded.missing.map((name) => `%${name}%`).join(', ')} has no values; give them with --placeholders FILE`,
      );
    }
    alternatives = expanded.values.map(parseSigmaString);
  } else alternatives = [parseSigmaString(raw)];

  const plainText = (alternative: Pattern | Uint8Array, modifier: string): string => {
    if (alternative instanceof Uint8Array) return bytesAsLatin1(alternative);
    if (hasWildcards(alternative))
      fail(item, 'modifier-misuse', `'${modifier}' cannot encode a value with wildcards`);
    return patternText(alternative);
  };
  const toBytes = (alternative: Pattern | Uint8Array, modifier: string): Uint8Array =>
    alternative instanceof Uint8Array ? alternative : utf8Bytes(plainText(alternative, modifier));

  let position: 'contains' | 'startswith' | 'endswith' | null = null;
  for (const modifier of modifiers) {
    try {
      switch (modifier) {
        case 'windash':
          alternatives = alternatives.flatMap((alternative): (Pattern | Uint8Array)[] =>
            alternative instanceof Uint8Array ? [alternative] : windashPatterns(alternative),
          );
          break;
        case 'base64':
          alternatives = alternatives.map((alternative) =>
            plainPattern(base64(toBytes(alternative, modifier))),
          );
          break;
        case 'base64offset':
          alternatives = alternatives.flatMap((alternative) =>
            base64OffsetVariants(toBytes(alternative, modifier)).map(plainPattern),
          );
          break;
        case 'utf16le':
        case 'wide':
          alternatives = alternatives.map((alternative) => utf16le(plainText(alternative, modifier)));
          break;
        case 'utf16be':
          alternatives = alternatives.map((alternative) => utf16be(plainText(alternative, modifier)));
          break;
        case 'utf16':
          alternatives = alternatives.map((alternative) => utf16WithBom(plainText(alternative, modifier)));
          break;
        case 'contains':
        case 'startswith':
        case 'endswith':
          if (position !== null && position !== modifier)
            fail(item, 'modifier-misuse', `'${position}' and '${modifier}' conflict`);
          position = modifier;
          break;
        case 'all':
        case 'neq':
        case 'cased':
        case 'expand':
          break;
        default:
          fail(item, 'modifier-misuse', `'${modifier}' cannot be used here`);
      }
    } catch (error) {
      if (error instanceof CompileError) throw error;
      fail(item, 'modifier-misuse', (error as Error).message);
    }
  }
  if (keyword && position === null) position = 'contains';

  const patterns = alternatives.map((alternative) => {
    let pattern = alternative instanceof Uint8Array ? plainPattern(bytesAsLatin1(alternative)) : alternative;
    if (position === 'contains') pattern = withTrailingStar(withLeadingStar(pattern));
    else if (position === 'startswith') pattern = withTrailingStar(pattern);
    else if (position === 'endswith') pattern = withLeadingStar(pattern);
    return cased ? pattern : mapText(pattern, (text) => text.toLowerCase());
  });
  const tests = patterns.map(compilePattern);
  const literals: LiteralNeed[] = [];
  let derivable = true;
  for (const pattern of patterns) {
    const need = patternNeed(pattern, keyword);
    if (need === null) derivable = false;
    else literals.push(cased ? { kind: need.kind, literal: need.literal.toLowerCase() } : need);
  }

  let test: ValueTest;
  if (tests.length === 1) {
    const single = tests[0]!;
    test = cased
      ? (fieldValue) => {
          const text = textOf(fieldValue);
          return text !== undefined && single(text);
        }
      : (fieldValue, view) => {
          const text = textOf(fieldValue);
          return text !== undefined && single(view.lower(text));
        };
  } else {
    test = (fieldValue, view) => {
      const text = textOf(fieldValue);
      if (text === undefined) return false;
      const subject = cased ? text : view.lower(text);
      for (const t of tests) if (t(subject)) return true;
      return false;
    };
  }
  return { test, literals: derivable ? literals : null };
}

function windashPatterns(pattern: Pattern): Pattern[] {
  // Apply the permutations to the text between wildcards; wildcards stay where they were.
  let results: Pattern[] = [{ segments: [] }];
  for (const segment of pattern.segments) {
    const options = segment.kind === 'text' ? windashVariants(segment.text) : [null];
    results = results.flatMap((result) =>
      options.map((option) => ({
        segments: [...result.segments, option === null ? segment : { kind: 'text' as const, text: option }],
      })),
    );
  }
  return results;
}

function compileScalarEquality(
  value: SigmaValue & { kind: 'number' | 'boolean' },
  cased: boolean,
): ValueMatcher {
  if (value.kind === 'boolean') {
    const expected = value.value;
    const text = String(expected);
    return {
      test: (fieldValue) =>
        fieldValue === expected ||
        (typeof fieldValue === 'string' && (cased ? fieldValue : fieldValue.toLowerCase()) === text),
      literals: null,
    };
  }
  const expected = value.value;
  const rawLower = value.raw.toLowerCase();
  return {
    test: (fieldValue) => {
      if (typeof fieldValue === 'number') return fieldValue === expected;
      if (typeof fieldValue === 'string') {
        if (fieldValue.length === 0) return false;
        const lower = fieldValue.toLowerCase();
        return lower === rawLower || numberOf(fieldValue) === expected;
      }
      return false;
    },
    literals: null,
  };
}

function compileRegexValue(item: FieldMatch, value: SigmaValue, options: CompileOptions): ValueMatcher {
  const allowed = new Set<ModifierName>(['re', 'i', 'm', 's', 'all', 'neq', 'cased']);
  for (const modifier of item.modifiers) {
    if (!allowed.has(modifier)) fail(item, 'modifier-misuse', `'re' cannot be combined with '${modifier}'`);
  }
  if (value.kind !== 'string') fail(item, 'modifier-misuse', "'re' needs a string value");
  const compiled = compileSigmaRegex(value.value, {
    i: item.modifiers.includes('i'),
    m: item.modifiers.includes('m'),
    s: item.modifiers.includes('s'),
  });
  if (!compiled.ok) fail(item, compiled.code, compiled.message);
  const matcher = compiled.matcher;
  const onSkip = options.onRegexSkipped;
  return {
    test: (fieldValue) => {
      const text = textOf(fieldValue);
      if (text === undefined) return false;
      const result = matcher.test(text);
      if (result === 'skipped') {
        onSkip();
        return false;
      }
      return result;
    },
    literals: matcher.literals?.map((literal): LiteralNeed => ({ kind: 'contains', literal })) ?? null,
    alsoNeeds: matcher.literalGroups
      .slice(matcher.literals === undefined ? 0 : 1)
      .map((group) => group.map((literal): LiteralNeed => ({ kind: 'contains', literal }))),
  };
}

function compileCidrValue(
  item: FieldMatch,
  value: SigmaValue,
  parseIpText: (text: string) => ParsedIp | undefined,
): ValueMatcher {
  for (const modifier of item.modifiers) {
    if (modifier !== 'cidr' && modifier !== 'all' && modifier !== 'neq') {
      fail(item, 'modifier-misuse', `'cidr' cannot be combined with '${modifier}'`);
    }
  }
  const text = value.kind === 'string' ? value.value : value.kind === 'number' ? value.raw : '';
  const range = parseCidr(text);
  if (range === undefined)
    fail(item, 'invalid-cidr', `'${text}' is not an IPv4 or IPv6 network (like 10.0.0.0/8 or fe80::/10)`);
  return {
    test: (fieldValue) => {
      const ip = textOf(fieldValue);
      return ip !== undefined && parsedIpInRange(parseIpText(ip), range);
    },
    literals: null,
  };
}

function compileNumericValue(
  item: FieldMatch,
  value: SigmaValue,
  part: TimePart | undefined,
  comparison: ModifierName | undefined,
): ValueMatcher {
  for (const modifier of item.modifiers) {
    if (!TIME_PARTS.has(modifier) && !COMPARISONS.has(modifier) && modifier !== 'all' && modifier !== 'neq') {
      fail(item, 'modifier-misuse', `'${part ?? comparison ?? ''}' cannot be combined with '${modifier}'`);
    }
  }
  if (item.modifiers.filter((modifier) => COMPARISONS.has(modifier)).length > 1) {
    fail(item, 'modifier-misuse', 'only one of lt, lte, gt, gte may be given');
  }
  const expected =
    value.kind === 'number' ? value.value : value.kind === 'string' ? numberOf(value.value) : undefined;
  if (expected === undefined)
    fail(item, 'modifier-misuse', `'${part ?? comparison ?? ''}' needs a numeric value`);
  const compare: (actual: number) => boolean =
    comparison === 'lt'
      ? (actual) => actual < expected
      : comparison === 'lte'
        ? (actual) => actual <= expected
        : comparison === 'gt'
          ? (actual) => actual > expected
          : comparison === 'gte'
            ? (actual) => actual >= expected
            : (actual) => actual === expected;
  if (part !== undefined) {
    return {
      test: (fieldValue) => {
        const extracted = timePart(fieldValue, part);
        return extracted !== undefined && compare(extracted);
      },
      literals: null,
    };
  }
  return {
    test: (fieldValue) => {
      const actual = numberOf(fieldValue);
      return actual !== undefined && compare(actual);
    },
    literals: null,
  };
}
