/**
 * A slow, obviously-correct interpreter of the Sigma AST, used only by tests to check the compiled,
 * indexed matcher (differential testing, as Zod does for its compiled parsers). It shares the field
 * resolver and the pure value transforms, but none of the compiler's matching, indexing or prefilter
 * code: wildcard values become anchored regular expressions, conditions are walked recursively, and
 * logsource conditions are checked explicitly instead of through buckets.
 */
import type { EventView } from '../../events/field-resolver.js';
import type { ConditionNode, Detection, FieldMatch, SigmaValue } from '../parse/ast.js';
import { identifierPatternMatcher } from '../parse/condition.js';
import { compileSigmaRegex } from '../compile/regex.js';
import {
  base64,
  base64OffsetVariants,
  bytesAsLatin1,
  expandPlaceholders,
  ipInRange,
  parseCidr,
  timePart,
  utf16be,
  utf16le,
  utf16WithBom,
  utf8Bytes,
  windashVariants,
} from '../compile/value-transforms.js';

export interface ReferenceContext {
  readonly renames: ReadonlyMap<string, string>;
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
}

const regexCache = new Map<string, RegExp | null>();

/**
 * JavaScript's own RegExp, cached. Patterns JavaScript cannot compile (PCRE-only syntax) return null and
 * the caller uses the product's regex engine for them: the reference is independent everywhere else.
 */
function cachedRegex(source: string, flags: string): RegExp | null {
  const key = `${flags}/${source}`;
  let regex = regexCache.get(key);
  if (regex === undefined) {
    try {
      regex = new RegExp(source, flags);
    } catch {
      regex = null;
    }
    regexCache.set(key, regex);
  }
  return regex;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Sigma wildcard string → anchored RegExp source (escapes per the spec). */
function wildcardToRegex(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && (raw[i + 1] === '*' || raw[i + 1] === '?' || raw[i + 1] === '\\')) {
      out += escapeRegex(raw[i + 1]!);
      i++;
    } else if (ch === '*') out += '[\\s\\S]*';
    else if (ch === '?') out += '[\\s\\S]';
    else out += escapeRegex(ch);
  }
  return out;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    const parsed = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : Number(text);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

function leaves(value: unknown, depth = 0): string[] {
  if (depth > 64) return [];
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap((element) => leaves(element, depth + 1));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .filter(([key]) => key !== '#attributes')
      .flatMap(([, element]) => leaves(element, depth + 1));
  }
  return [];
}

/** The regex sources (or literal matchers) one rule value stands for, after transformations. */
function valueRegexes(item: FieldMatch, value: SigmaValue, context: ReferenceContext): string[] {
  const raw =
    value.kind === 'string'
      ? value.value
      : value.kind === 'number'
        ? value.raw
        : String((value as { value: boolean }).value);
  let alternatives: (string | Uint8Array)[] = item.modifiers.includes('expand')
    ? expandPlaceholders(raw, context.placeholders).values
    : [raw];
  const plain = (alternative: string | Uint8Array): string =>
    typeof alternative === 'string' ? alternative.replace(/\\([*?\\])/g, '$1') : bytesAsLatin1(alternative);
  const encoded = (text: string): string => text.replace(/[*?\\]/g, '\\$&');
  let position = item.field === null ? 'contains' : '';
  for (const modifier of item.modifiers) {
    switch (modifier) {
      case 'windash':
        alternatives = alternatives.flatMap((alternative): (string | Uint8Array)[] =>
          typeof alternative === 'string' ? windashVariants(alternative) : [alternative],
        );
        break;
      case 'base64':
        alternatives = alternatives.map((alternative) =>
          encoded(base64(typeof alternative === 'string' ? utf8Bytes(plain(alternative)) : alternative)),
        );
        break;
      case 'base64offset':
        alternatives = alternatives.flatMap((alternative) =>
          base64OffsetVariants(
            typeof alternative === 'string' ? utf8Bytes(plain(alternative)) : alternative,
          ).map(encoded),
        );
        break;
      case 'utf16le':
      case 'wide':
        alternatives = alternatives.map((alternative) => utf16le(plain(alternative)));
        break;
      case 'utf16be':
        alternatives = alternatives.map((alternative) => utf16be(plain(alternative)));
        break;
      case 'utf16':
        alternatives = alternatives.map((alternative) => utf16WithBom(plain(alternative)));
        break;
      case 'contains':
      case 'startswith':
      case 'endswith':
        position = modifier;
        break;
      default:
        break;
    }
  }
  return alternatives.map((alternative) => {
    const body =
      typeof alternative === 'string'
        ? wildcardToRegex(alternative)
        : escapeRegex(bytesAsLatin1(alternative));
    const head = position === 'contains' || position === 'endswith' ? '[\\s\\S]*' : '';
    const tail = position === 'contains' || position === 'startswith' ? '[\\s\\S]*' : '';
    return `^${head}${body}${tail}$`;
  });
}

function valueMatches(
  item: FieldMatch,
  value: SigmaValue,
  fieldValue: unknown,
  view: EventView,
  context: ReferenceContext,
): boolean {
  const has = (name: string): boolean => (item.modifiers as readonly string[]).includes(name);
  if (value.kind === 'null') return fieldValue === undefined || fieldValue === null;
  if (Array.isArray(fieldValue))
    return fieldValue.some((element) => valueMatches(item, value, element, view, context));
  if (has('re')) {
    const text = scalarText(fieldValue);
    if (text === undefined || value.kind !== 'string') return false;
    let pattern = value.value;
    let flags = `${has('i') ? 'i' : ''}${has('m') ? 'm' : ''}${has('s') ? 's' : ''}`;
    const inline = /^\(\?([ims]+)\)/.exec(pattern);
    if (inline) {
      pattern = pattern.slice(inline[0].length);
      for (const flag of inline[1]!) if (!flags.includes(flag)) flags += flag;
    }
    const regex = cachedRegex(pattern, flags);
    if (regex !== null) return regex.test(text);
    const compiled = compileSigmaRegex(value.value, { i: has('i'), m: has('m'), s: has('s') });
    return compiled.ok && compiled.matcher.test(text) === true;
  }
  if (has('cidr')) {
    const text = scalarText(fieldValue);
    const range = parseCidr(value.kind === 'string' ? value.value : value.kind === 'number' ? value.raw : '');
    return text !== undefined && range !== undefined && ipInRange(text, range);
  }
  const part = (['minute', 'hour', 'day', 'week', 'month', 'year'] as const).find((name) => has(name));
  const comparison = (['lt', 'lte', 'gt', 'gte'] as const).find((name) => has(name));
  if (part !== undefined || comparison !== undefined) {
    const actual = part !== undefined ? timePart(fieldValue, part) : toNumber(fieldValue);
    const expected =
      value.kind === 'number' ? value.value : toNumber(value.kind === 'string' ? value.value : undefined);
    if (actual === undefined || expected === undefined) return false;
    switch (comparison) {
      case 'lt':
        return actual < expected;
      case 'lte':
        return actual <= expected;
      case 'gt':
        return actual > expected;
      case 'gte':
        return actual >= expected;
      default:
        return actual === expected;
    }
  }
  const stringy = item.modifiers.some((modifier) => !['all', 'neq', 'cased'].includes(modifier));
  if (!stringy && item.field !== null && value.kind === 'number') {
    if (typeof fieldValue === 'number') return fieldValue === value.value;
    if (typeof fieldValue === 'string')
      return (
        fieldValue !== '' &&
        (fieldValue.toLowerCase() === value.raw.toLowerCase() || toNumber(fieldValue) === value.value)
      );
    return false;
  }
  if (!stringy && item.field !== null && value.kind === 'boolean') {
    return (
      fieldValue === value.value ||
      (typeof fieldValue === 'string' &&
        (has('cased') ? fieldValue : fieldValue.toLowerCase()) === String(value.value))
    );
  }
  const text = scalarText(fieldValue);
  if (text === undefined) return false;
  const flags = has('cased') ? '' : 'i';
  return valueRegexes(item, value, context).some((source) =>
    cachedRegex(source, flags)!.test(has('cased') ? text : text.toLowerCase()),
  );
}

function itemMatches(item: FieldMatch, view: EventView, context: ReferenceContext): boolean {
  const has = (name: string): boolean => (item.modifiers as readonly string[]).includes(name);
  const combine = (test: (value: SigmaValue) => boolean): boolean =>
    has('all') ? item.values.every(test) : item.values.some(test);
  if (item.field === null) {
    const all = leaves(view.raw);
    return combine((value) => all.some((leaf) => valueMatches(item, value, leaf, view, context)));
  }
  const field = context.renames.get(item.field) ?? item.field;
  const fieldValue = view.get(field);
  if (has('exists')) return (fieldValue !== undefined) === (item.values[0] as { value: boolean }).value;
  if (has('fieldref')) {
    const mode = has('contains')
      ? 'contains'
      : has('startswith')
        ? 'startswith'
        : has('endswith')
          ? 'endswith'
          : 'equals';
    return combine((value) => {
      const left = scalarText(fieldValue);
      const right = scalarText(view.get((value as { value: string }).value));
      if (left === undefined || right === undefined) return false;
      const a = has('cased') ? left : left.toLowerCase();
      const b = has('cased') ? right : right.toLowerCase();
      const equal =
        mode === 'equals'
          ? a === b
          : mode === 'contains'
            ? a.includes(b)
            : mode === 'startswith'
              ? a.startsWith(b)
              : a.endsWith(b);
      return equal !== has('neq');
    });
  }
  if (has('neq'))
    return (
      fieldValue !== undefined &&
      !item.values.some((value) => valueMatches(item, value, fieldValue, view, context))
    );
  return combine((value) => valueMatches(item, value, fieldValue, view, context));
}

function evaluate(
  node: ConditionNode,
  detection: Detection,
  view: EventView,
  context: ReferenceContext,
): boolean {
  switch (node.type) {
    case 'and':
      return node.children.every((child) => evaluate(child, detection, view, context));
    case 'or':
      return node.children.some((child) => evaluate(child, detection, view, context));
    case 'not':
      return !evaluate(node.child, detection, view, context);
    case 'ref':
      return searchMatches(node.name, detection, view, context);
    case 'of': {
      const names = [...detection.searches.keys()].filter(identifierPatternMatcher(node.pattern));
      return node.quantifier === 'all'
        ? names.every((name) => searchMatches(name, detection, view, context))
        : names.some((name) => searchMatches(name, detection, view, context));
    }
  }
}

function searchMatches(
  name: string,
  detection: Detection,
  view: EventView,
  context: ReferenceContext,
): boolean {
  const search = detection.searches.get(name)!;
  return search.alternatives.some((group) => group.items.every((item) => itemMatches(item, view, context)));
}

/** True when the detection matches the event (logsource conditions are the caller's business). */
export function referenceDetectionMatches(
  detection: Detection,
  view: EventView,
  context: ReferenceContext,
): boolean {
  return detection.conditions.some((condition) => evaluate(condition.node, detection, view, context));
}
