/**
 * Sigma string values: text with `*` and `?` wildcards and backslash escapes (spec: "Escape Character").
 * A value is parsed once into segments of plain text and wildcards, then compiled into the cheapest
 * matcher that decides it (equality, prefix, suffix, substring, or a linear glob) — never a backtracking
 * regular expression, so a value can't make matching super-linear.
 */

export type Segment =
  { readonly kind: 'text'; readonly text: string } | { readonly kind: 'star' } | { readonly kind: 'one' };

/** A parsed Sigma string: a sequence of text and wildcard segments. Adjacent text is merged. */
export interface Pattern {
  readonly segments: readonly Segment[];
}

/** Parses the raw rule text. `\*`, `\?` and `\\` escape; any other backslash is a literal backslash. */
export function parseSigmaString(raw: string): Pattern {
  const segments: Segment[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') segments.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\') {
      const next = raw[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        text += next;
        i++;
      } else text += '\\';
    } else if (ch === '*') {
      flush();
      if (segments.at(-1)?.kind !== 'star') segments.push({ kind: 'star' });
    } else if (ch === '?') {
      flush();
      segments.push({ kind: 'one' });
    } else text += ch;
  }
  flush();
  return { segments };
}

export function plainPattern(text: string): Pattern {
  return { segments: text === '' ? [] : [{ kind: 'text', text }] };
}

export function hasWildcards(pattern: Pattern): boolean {
  return pattern.segments.some((segment) => segment.kind !== 'text');
}

/** The text of a wildcard-free pattern. */
export function patternText(pattern: Pattern): string {
  return pattern.segments.map((segment) => (segment.kind === 'text' ? segment.text : '')).join('');
}

export function withLeadingStar(pattern: Pattern): Pattern {
  return pattern.segments[0]?.kind === 'star'
    ? pattern
    : { segments: [{ kind: 'star' }, ...pattern.segments] };
}

export function withTrailingStar(pattern: Pattern): Pattern {
  return pattern.segments.at(-1)?.kind === 'star'
    ? pattern
    : { segments: [...pattern.segments, { kind: 'star' }] };
}

/** Maps every text segment (for case folding and encodings); wildcards stay. */
export function mapText(pattern: Pattern, map: (text: string) => string): Pattern {
  return {
    segments: pattern.segments.map((segment) =>
      segment.kind === 'text' ? { kind: 'text', text: map(segment.text) } : segment,
    ),
  };
}

/** Longest wildcard-free piece: text that any matching value must contain. */
export function longestLiteral(pattern: Pattern): string {
  let best = '';
  for (const segment of pattern.segments)
    if (segment.kind === 'text' && segment.text.length > best.length) best = segment.text;
  return best;
}

/**
 * Compiles a pattern into a predicate over (already case-folded when needed) strings.
 * The glob path is the classic greedy two-pointer algorithm: O(n·m) worst case, no exponential blowup.
 */
export function compilePattern(pattern: Pattern): (value: string) => boolean {
  const segments = pattern.segments;
  if (segments.length === 0) return (value) => value === '';
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  if (segments.length === 1) {
    if (first.kind === 'text') {
      const text = first.text;
      return (value) => value === text;
    }
    if (first.kind === 'star') return () => true;
    return (value) => value.length === 1;
  }
  if (segments.length === 2) {
    if (first.kind === 'star' && last.kind === 'text') {
      const text = last.text;
      return (value) => value.endsWith(text);
    }
    if (first.kind === 'text' && last.kind === 'star') {
      const text = first.text;
      return (value) => value.startsWith(text);
    }
  }
  if (
    segments.length === 3 &&
    first.kind === 'star' &&
    last.kind === 'star' &&
    segments[1]!.kind === 'text'
  ) {
    const text = (segments[1] as { text: string }).text;
    return (value) => value.includes(text);
  }
  if (
    segments.length === 3 &&
    first.kind === 'text' &&
    segments[1]!.kind === 'star' &&
    last.kind === 'text'
  ) {
    const head = first.text;
    const tail = last.text;
    const minLength = head.length + tail.length;
    return (value) => value.length >= minLength && value.startsWith(head) && value.endsWith(tail);
  }
  const tokens = flattenTokens(segments);
  return (value) => globMatch(tokens, value);
}

/** Token stream for the glob matcher: a char code to match, -1 for `?`, -2 for `*`. */
function flattenTokens(segments: readonly Segment[]): Int32Array {
  const codes: number[] = [];
  for (const segment of segments) {
    if (segment.kind === 'star') codes.push(-2);
    else if (segment.kind === 'one') codes.push(-1);
    else for (let i = 0; i < segment.text.length; i++) codes.push(segment.text.charCodeAt(i));
  }
  return Int32Array.from(codes);
}

function globMatch(tokens: Int32Array, value: string): boolean {
  let t = 0;
  let v = 0;
  let starToken = -1;
  let starValue = 0;
  const n = value.length;
  while (v < n) {
    const token = t < tokens.length ? tokens[t]! : -3;
    if (token === -2) {
      starToken = t++;
      starValue = v;
    } else if (token === -1 || token === value.charCodeAt(v)) {
      t++;
      v++;
    } else if (starToken >= 0) {
      t = starToken + 1;
      v = ++starValue;
    } else return false;
  }
  while (t < tokens.length && tokens[t] === -2) t++;
  return t === tokens.length;
}
