/**
 * The Sigma condition grammar (spec v2.1.0), precedence from loosest to tightest:
 * `or` < `and` < `not` < `1 of` / `all of` < parentheses.
 *
 *   expr    := and ("or" and)*
 *   and     := unary ("and" unary)*
 *   unary   := "not" unary | of | "(" expr ")" | IDENT
 *   of      := ("1" | "any" | "all") "of" (PATTERN | "them")
 */
import type { ConditionNode } from './ast.js';

export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based character offset in the condition text. */
    readonly position: number,
  ) {
    super(message);
    this.name = 'ConditionSyntaxError';
  }
}

interface Token {
  readonly kind: 'ident' | 'lparen' | 'rparen' | 'pipe' | 'end';
  readonly text: string;
  readonly position: number;
}

const MAX_NESTING = 256;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
    } else if (ch === '(') {
      tokens.push({ kind: 'lparen', text: ch, position: i++ });
    } else if (ch === ')') {
      tokens.push({ kind: 'rparen', text: ch, position: i++ });
    } else if (ch === '|') {
      tokens.push({ kind: 'pipe', text: ch, position: i++ });
    } else {
      const start = i;
      while (i < text.length && !' \t\n\r()|'.includes(text[i]!)) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), position: start });
    }
  }
  tokens.push({ kind: 'end', text: '', position: text.length });
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', 'any', '1']);

/** Parses a condition string. Throws `ConditionSyntaxError` with the offending position. */
export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  let index = 0;
  let depth = 0;
  const peek = (): Token => tokens[index]!;
  const isWord = (token: Token, word: string): boolean =>
    token.kind === 'ident' && token.text.toLowerCase() === word;
  const fail = (token: Token, message: string): never => {
    if (token.kind === 'pipe') {
      throw new ConditionSyntaxError(
        'aggregation expressions (`| count() ...`) are Sigma v1 syntax and are not supported; rewrite them as a Sigma correlation rule',
        token.position,
      );
    }
    throw new ConditionSyntaxError(message, token.position);
  };

  const parseOr = (): ConditionNode => {
    const children = [parseAnd()];
    while (isWord(peek(), 'or')) {
      index++;
      children.push(parseAnd());
    }
    return children.length === 1 ? children[0]! : { type: 'or', children };
  };
  const parseAnd = (): ConditionNode => {
    const children = [parseUnary()];
    while (isWord(peek(), 'and')) {
      index++;
      children.push(parseUnary());
    }
    return children.length === 1 ? children[0]! : { type: 'and', children };
  };
  const parseUnary = (): ConditionNode => {
    const token = peek();
    if (++depth > MAX_NESTING) fail(token, `condition nested deeper than ${MAX_NESTING} levels`);
    try {
      if (isWord(token, 'not')) {
        index++;
        return { type: 'not', child: parseUnary() };
      }
      if (token.kind === 'lparen') {
        index++;
        const inner = parseOr();
        const close = peek();
        if (close.kind !== 'rparen') fail(close, `expected ')' to close the '(' at ${token.position + 1}`);
        index++;
        return inner;
      }
      if (token.kind === 'ident') {
        const word = token.text.toLowerCase();
        const next = tokens[index + 1]!;
        if (isWord(next, 'of')) {
          if (word !== '1' && word !== 'all' && word !== 'any') {
            fail(token, `'${token.text} of' is not supported: use '1 of' or 'all of'`);
          }
          index += 2;
          const target = peek();
          if (
            target.kind !== 'ident' ||
            (KEYWORDS.has(target.text.toLowerCase()) && !isWord(target, 'them'))
          ) {
            fail(target, `expected a search-identifier pattern or 'them' after '${token.text} of'`);
          }
          index++;
          return {
            type: 'of',
            quantifier: word === 'all' ? 'all' : 'any',
            pattern: isWord(target, 'them') ? 'them' : target.text,
          };
        }
        if (KEYWORDS.has(word)) fail(token, `unexpected '${token.text}'`);
        index++;
        return { type: 'ref', name: token.text };
      }
      return fail(token, token.kind === 'end' ? 'condition ends too early' : `unexpected '${token.text}'`);
    } finally {
      depth--;
    }
  };

  const node = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') fail(rest, `unexpected '${rest.text}' after a complete condition`);
  return node;
}

/** Turns an `of` pattern (with `*` wildcards) into a predicate over search-identifier names. */
export function identifierPatternMatcher(pattern: string): (name: string) => boolean {
  if (pattern === 'them') return (name) => !name.startsWith('_');
  if (!pattern.includes('*')) return (name) => name === pattern;
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  const regex = new RegExp(`^${parts.join('.*')}$`);
  return (name) => regex.test(name);
}
