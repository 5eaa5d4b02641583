/**
 * Parses Sigma regular expressions (the `re` modifier), a PCRE-style flavour, into the immutable AST of
 * `regex-ast.ts`; `regex.ts` emits V8 and RE2 sources from it, so both engines see the same meaning
 * whatever their native syntax. Inline flags (`(?i)`, `(?s:…)`, `(?-i)`, `(?x)`) are resolved into
 * per-node state here, with PCRE's scoping; PCRE-only syntax (`\Q…\E`, `\A`, `\z`, `\Z`, `\h`, `\v`, POSIX
 * classes, `(?P<name>…)`, `\g{…}`, possessive quantifiers, atomic groups) is recognised; what cannot be
 * run (recursion, conditionals, `\G`, verbs, `\R`) is an `unsupported-regex` error, never a silent
 * non-match. Untrusted input: length and nesting are capped (`regex-too-complex`).
 */
import type {
  ClassEscape,
  ClassItem,
  ParsedRegex,
  ParseResult,
  RegexErrorCode,
  RegexFlags,
  RegexNode,
} from './regex-ast.js';
import { complementSet, escapeSet, MAX_CODE_POINT, normalizeSet } from './regex-ast.js';

const MAX_PATTERN_LENGTH = 32_768;
const MAX_NESTING = 200;
const MAX_REPEAT = 65_535;

class RegexSyntaxError extends Error {
  constructor(
    readonly code: RegexErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

interface ScopeFlags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
}

type MutableBackref = { kind: 'backref'; group: number; ci: boolean };

// prettier-ignore
const POSIX_CLASSES: Readonly<Record<string, readonly ClassItem[]>> = {
  alpha: [{ kind: 'range', lo: 65, hi: 90 }, { kind: 'range', lo: 97, hi: 122 }],
  digit: [{ kind: 'escape', name: 'd' }],
  alnum: [{ kind: 'range', lo: 48, hi: 57 }, { kind: 'range', lo: 65, hi: 90 }, { kind: 'range', lo: 97, hi: 122 }],
  word: [{ kind: 'escape', name: 'w' }],
  upper: [{ kind: 'range', lo: 65, hi: 90 }],
  lower: [{ kind: 'range', lo: 97, hi: 122 }],
  space: [{ kind: 'range', lo: 9, hi: 13 }, { kind: 'range', lo: 32, hi: 32 }],
  blank: [{ kind: 'range', lo: 9, hi: 9 }, { kind: 'range', lo: 32, hi: 32 }],
  cntrl: [{ kind: 'range', lo: 0, hi: 31 }, { kind: 'range', lo: 127, hi: 127 }],
  print: [{ kind: 'range', lo: 32, hi: 126 }],
  graph: [{ kind: 'range', lo: 33, hi: 126 }],
  punct: [
    { kind: 'range', lo: 33, hi: 47 }, { kind: 'range', lo: 58, hi: 64 },
    { kind: 'range', lo: 91, hi: 96 }, { kind: 'range', lo: 123, hi: 126 },
  ],
  xdigit: [{ kind: 'range', lo: 48, hi: 57 }, { kind: 'range', lo: 65, hi: 70 }, { kind: 'range', lo: 97, hi: 102 }],
};

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { n: 10, r: 13, t: 9, f: 12, e: 0x1b, a: 7 };
const CLASS_ESCAPES = new Set<string>(['d', 'D', 'w', 'W', 's', 'S', 'h', 'H', 'v', 'V']);
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
const isOctal = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '7';
const isHex = (ch: string | undefined): boolean => ch !== undefined && /^[0-9a-fA-F]$/.test(ch);
const isAsciiAlnum = (ch: string): boolean => /^[0-9A-Za-z]$/.test(ch);

class Parser {
  private pos = 0;
  private depth = 0;
  private groupCount = 0;
  private readonly names = new Map<string, number>();
  private readonly refs: { node: MutableBackref; name?: string; offset: number }[] = [];
  private flags: ScopeFlags;

  constructor(
    private readonly src: string,
    flags: RegexFlags,
  ) {
    this.flags = { i: flags.i === true, m: flags.m === true, s: flags.s === true, x: false };
  }

  parse(): ParsedRegex {
    if (this.src.length > MAX_PATTERN_LENGTH) {
      throw new RegexSyntaxError(
        'regex-too-complex',
        `pattern longer than ${MAX_PATTERN_LENGTH} characters`,
        0,
      );
    }
    const ast = this.parseAlternation();
    if (this.pos < this.src.length) this.fail("unmatched ')'");
    for (const ref of this.refs) {
      if (ref.name !== undefined) {
        const group = this.names.get(ref.name);
        if (group === undefined)
          this.fail(`reference to a group named '${ref.name}' that does not exist`, ref.offset);
        ref.node.group = group;
      } else if (ref.node.group > this.groupCount) {
        this.fail(
          `reference to group ${ref.node.group}, but the pattern has ${this.groupCount} group(s)`,
          ref.offset,
        );
      }
    }
    return { ast, groupCount: this.groupCount };
  }

  private fail(message: string, offset = this.pos, code: RegexErrorCode = 'invalid-regex'): never {
    throw new RegexSyntaxError(code, message, offset);
  }

  private unsupported(what: string, offset = this.pos): never {
    this.fail(`${what} is not supported`, offset, 'unsupported-regex');
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  /** Reads one code point (a surrogate pair counts as one). */
  private nextCodePoint(): number {
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private skipExtended(): void {
    if (!this.flags.x) return;
    for (;;) {
      const ch = this.peek();
      if (ch !== undefined && ' \t\n\v\f\r'.includes(ch)) this.pos++;
      else if (ch === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  private parseAlternation(): RegexNode {
    const branches = [this.parseConcat()];
    while (this.peek() === '|') {
      this.pos++;
      branches.push(this.parseConcat());
    }
    return branches.length === 1 ? branches[0]! : { kind: 'alt', branches };
  }

  private parseConcat(): RegexNode {
    const items: RegexNode[] = [];
    for (;;) {
      this.skipExtended();
      const ch = this.peek();
      if (ch === undefined || ch === '|' || ch === ')') break;
      const atom = this.parseAtom();
      if (atom === null) continue;
      if (Array.isArray(atom)) {
        // `\Q…\E`: a quantifier after it applies to the last quoted character only (PCRE).
        if (atom.length === 0) continue;
        items.push(...atom.slice(0, -1));
        items.push(this.parseQuantifier(atom[atom.length - 1]!));
      } else items.push(this.parseQuantifier(atom));
    }
    return items.length === 0
      ? { kind: 'empty' }
      : items.length === 1
        ? items[0]!
        : { kind: 'concat', items };
  }

  /** Length of a `{n}`, `{n,}`, `{n,m}` or `{,m}` quantifier at `at`, or 0 when `{` is a literal there. */
  private braceQuantifierLength(at: number): number {
    const match = /^\{(?:\d+(?:,\d*)?|,\d+)\}/.exec(this.src.slice(at, at + 24));
    return match === null ? 0 : match[0].length;
  }

  private parseQuantifier(atom: RegexNode): RegexNode {
    this.skipExtended();
    const at = this.pos;
    const ch = this.peek();
    let min: number;
    let max: number;
    if (ch === '*') [min, max] = [0, Infinity];
    else if (ch === '+') [min, max] = [1, Infinity];
    else if (ch === '?') [min, max] = [0, 1];
    else if (ch === '{' && this.braceQuantifierLength(at) > 0) {
      const text = this.src.slice(at + 1, at + this.braceQuantifierLength(at) - 1);
      const [lo = '', hi] = text.split(',');
      min = lo === '' ? 0 : Number(lo);
      max = hi === undefined ? min : hi === '' ? Infinity : Number(hi);
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT))
        this.fail(`repeat count above ${MAX_REPEAT}`, at);
      if (max < min) this.fail(`repeat range {${text}} is out of order`, at);
    } else return atom;
    this.pos = ch === '{' ? at + this.braceQuantifierLength(at) : at + 1;
    if (atom.kind === 'assert' || atom.kind === 'look')
      this.fail('a quantifier cannot follow an assertion', at);
    let lazy = false;
    let possessive = false;
    if (this.peek() === '?') [lazy, this.pos] = [true, this.pos + 1];
    else if (this.peek() === '+') [possessive, this.pos] = [true, this.pos + 1];
    this.skipExtended();
    const next = this.peek();
    if (
      next === '*' ||
      next === '+' ||
      next === '?' ||
      (next === '{' && this.braceQuantifierLength(this.pos) > 0)
    ) {
      this.fail('nothing to repeat (a quantifier follows a quantifier)');
    }
    return { kind: 'repeat', body: atom, min, max, lazy, possessive };
  }

  private parseAtom(): RegexNode | RegexNode[] | null {
    const ch = this.peek()!;
    switch (ch) {
      case '(':
        return this.parseGroup();
      case '[':
        return this.parseClass();
      case '.':
        this.pos++;
        return { kind: 'dot', dotAll: this.flags.s };
      case '^':
        this.pos++;
        return { kind: 'assert', assertion: this.flags.m ? 'line-start' : 'start' };
      case '$':
        this.pos++;
        return { kind: 'assert', assertion: this.flags.m ? 'line-end' : 'end' };
      case '\\':
        return this.parseEscape();
      case '*':
      case '+':
      case '?':
        return this.fail(`nothing to repeat before '${ch}'`);
      case '{':
        if (this.braceQuantifierLength(this.pos) > 0) this.fail("nothing to repeat before '{'");
    }
    return { kind: 'char', cp: this.nextCodePoint(), ci: this.flags.i };
  }

  private readName(terminator: string): string {
    const start = this.pos;
    const end = this.src.indexOf(terminator, start);
    const name = end < 0 ? '' : this.src.slice(start, end);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(name)) this.fail('invalid group name', start);
    this.pos = end + terminator.length;
    return name;
  }

  private parseGroup(): RegexNode | null {
    const open = this.pos;
    this.pos++;
    if (this.peek() === '*') this.unsupported('a backtracking verb like (*SKIP)', open);
    if (this.peek() !== '?') return this.groupBody(open, { capture: ++this.groupCount, atomic: false });
    this.pos++;
    const c = this.peek();
    const c2 = this.peek(1);
    if (c === ':') return (this.pos++, this.groupBody(open, { atomic: false }));
    if (c === '>') return (this.pos++, this.groupBody(open, { atomic: true }));
    if (c === '=' || c === '!') return (this.pos++, this.lookBody(open, false, c === '!'));
    if (c === '<' && (c2 === '=' || c2 === '!'))
      return ((this.pos += 2), this.lookBody(open, true, c2 === '!'));
    if (c === '#') {
      const end = this.src.indexOf(')', this.pos);
      if (end < 0) this.fail('unterminated (?# comment', open);
      this.pos = end + 1;
      return null;
    }
    if (c === '<' || c === "'" || (c === 'P' && c2 === '<')) {
      this.pos += c === 'P' ? 2 : 1;
      const name = this.readName(c === "'" ? "'" : '>');
      if (this.names.has(name)) this.fail(`two groups are named '${name}'`, open);
      const capture = ++this.groupCount;
      this.names.set(name, capture);
      return this.groupBody(open, { capture, atomic: false });
    }
    if (c === 'P' && c2 === '=') {
      this.pos += 2;
      return this.backref(undefined, this.readName(')'), open);
    }
    if (c === 'P' && c2 === '>') this.unsupported('a subroutine call (?P>name)', open);
    if (c === '|') this.unsupported('a branch-reset group (?|…)', open);
    if (c === '(') this.unsupported('a conditional group (?(…)…)', open);
    if (c === 'R' || c === '&' || isDigit(c) || ((c === '+' || c === '-') && isDigit(c2))) {
      this.unsupported('recursion or a subroutine call', open);
    }
    if (c === 'C') this.unsupported('a callout (?C…)', open);
    return this.parseFlagGroup(open);
  }

  private parseFlagGroup(open: number): RegexNode | null {
    const on: Partial<ScopeFlags> = {};
    let value = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail("missing ')'", open);
      this.pos++;
      if (c === 'i' || c === 'm' || c === 's' || c === 'x') on[c] = value;
      else if (c === '-' && value) value = false;
      else if (c === ')') {
        Object.assign(this.flags, on);
        return null;
      } else if (c === ':') {
        return this.groupBody(open, { atomic: false }, on);
      } else if (/[A-Za-z^]/.test(c)) this.unsupported(`the inline flag '${c}'`, this.pos - 1);
      else this.fail(`unknown group syntax '(?${this.src.slice(open + 2, this.pos)}'`, open);
    }
  }

  private enter(open: number): ScopeFlags {
    if (++this.depth > MAX_NESTING)
      this.fail(`groups nested more than ${MAX_NESTING} deep`, open, 'regex-too-complex');
    return { ...this.flags };
  }

  private leave(open: number, saved: ScopeFlags): void {
    if (this.peek() !== ')') this.fail("missing ')'", open);
    this.pos++;
    this.depth--;
    this.flags = saved;
  }

  private groupBody(
    open: number,
    shape: { capture?: number; atomic: boolean },
    scoped: Partial<ScopeFlags> = {},
  ): RegexNode {
    const saved = this.enter(open);
    Object.assign(this.flags, scoped);
    const body = this.parseAlternation();
    this.leave(open, saved);
    return shape.capture === undefined
      ? { kind: 'group', body, atomic: shape.atomic }
      : { kind: 'group', body, capture: shape.capture, atomic: false };
  }

  private lookBody(open: number, behind: boolean, negated: boolean): RegexNode {
    const saved = this.enter(open);
    const body = this.parseAlternation();
    this.leave(open, saved);
    return { kind: 'look', behind, negated, body };
  }

  private backref(group: number | undefined, name: string | undefined, offset: number): RegexNode {
    const node: MutableBackref = { kind: 'backref', group: group ?? 0, ci: this.flags.i };
    this.refs.push(name === undefined ? { node, offset } : { node, name, offset });
    return node;
  }

  /** Reads `{hex}` or up to `count` hex digits after `\x`/`\u`. */
  private hexValue(count: number, exact: boolean, start: number): number {
    let digits = '';
    if (this.peek() === '{') {
      const end = this.src.indexOf('}', this.pos);
      digits = end < 0 ? '' : this.src.slice(this.pos + 1, end);
      if (!/^[0-9a-fA-F]{1,6}$/.test(digits)) this.fail('invalid \\x{…} or \\u{…} escape', start);
      this.pos = end + 1;
    } else {
      while (digits.length < count && isHex(this.peek())) digits += this.src[this.pos++];
      if (digits.length === 0 || (exact && digits.length !== count))
        this.fail('invalid hexadecimal escape', start);
    }
    const value = parseInt(digits, 16);
    if (value > MAX_CODE_POINT) this.fail('code point above U+10FFFF', start);
    return value;
  }

  /**
   * Escapes that mean one character, wherever they appear. Returns undefined when the escape is not a
   * character escape (the caller handles classes, assertions and references).
   */
  private charEscape(c: string, start: number): number | undefined {
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return (this.pos++, simple);
    if (c === 'x') return (this.pos++, this.hexValue(2, false, start));
    if (c === 'u') {
      this.pos++;
      const unit = this.hexValue(4, true, start);
      // `\uD83D\uDE00` spells one astral character, as in JavaScript.
      const low = /^\\u(d[c-f][0-9a-f]{2})/i.exec(this.src.slice(this.pos, this.pos + 6));
      if (unit >= 0xd800 && unit <= 0xdbff && low !== null) {
        this.pos += 6;
        return 0x10000 + ((unit - 0xd800) << 10) + (parseInt(low[1]!, 16) - 0xdc00);
      }
      return unit;
    }
    if (c === 'o') {
      const match = /^o\{([0-7]{1,7})\}/.exec(this.src.slice(this.pos, this.pos + 10));
      if (match === null) this.fail('invalid \\o{…} escape', start);
      this.pos += match[0].length;
      const value = parseInt(match[1]!, 8);
      if (value > MAX_CODE_POINT) this.fail('code point above U+10FFFF', start);
      return value;
    }
    if (c === 'c') {
      const letter = this.peek(1);
      if (letter === undefined || !/[\x20-\x7e]/.test(letter))
        this.fail('\\c must be followed by a printable ASCII character', start);
      this.pos += 2;
      return letter.toUpperCase().charCodeAt(0) ^ 0x40;
    }
    if (c === '0') {
      let digits = '';
      this.pos++;
      while (digits.length < 2 && isOctal(this.peek())) digits += this.src[this.pos++];
      return digits === '' ? 0 : parseInt(digits, 8);
    }
    return undefined;
  }

  private property(c: string, start: number): ClassItem {
    this.pos++;
    let name: string;
    if (this.peek() === '{') {
      const end = this.src.indexOf('}', this.pos);
      if (end < 0) this.fail(`unterminated \\${c}{…}`, start);
      name = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      const letter = this.peek();
      if (letter === undefined || !/[A-Za-z]/.test(letter)) this.fail(`\\${c} needs a property name`, start);
      name = letter;
      this.pos++;
    }
    let negated = c === 'P';
    if (name.startsWith('^')) [negated, name] = [!negated, name.slice(1)];
    for (const candidate of [name, `Script=${name}`]) {
      try {
        new RegExp(`\\p{${candidate}}`, 'u');
        return { kind: 'property', negated, name: candidate };
      } catch {
        // Not a name V8 knows in this form; try the next one.
      }
    }
    return this.unsupported(`the Unicode property '${name}'`, start);
  }

  private parseEscape(): RegexNode | RegexNode[] | null {
    const start = this.pos;
    this.pos++;
    const c = this.peek();
    if (c === undefined) this.fail('the pattern ends with a lone backslash', start);
    if (CLASS_ESCAPES.has(c)) {
      this.pos++;
      return {
        kind: 'class',
        items: [{ kind: 'escape', name: c as ClassEscape }],
        negated: false,
        ci: this.flags.i,
      };
    }
    const assertion = ({ b: 'word', B: 'not-word', A: 'start', z: 'end', Z: 'end-before-newline' } as const)[
      c as 'b' | 'B' | 'A' | 'z' | 'Z'
    ];
    if (assertion !== undefined) return (this.pos++, { kind: 'assert', assertion });
    switch (c) {
      case 'N':
        this.pos++;
        return { kind: 'dot', dotAll: false };
      case 'p':
      case 'P':
        return { kind: 'class', items: [this.property(c, start)], negated: false, ci: this.flags.i };
      case 'Q': {
        this.pos++;
        const end = this.src.indexOf('\\E', this.pos);
        const text = this.src.slice(this.pos, end < 0 ? undefined : end);
        this.pos = end < 0 ? this.src.length : end + 2;
        return [...text].map((ch) => ({ kind: 'char', cp: ch.codePointAt(0)!, ci: this.flags.i }));
      }
      case 'E':
        this.pos++;
        return null;
      case 'K':
        // Only moves the reported match start; a yes/no test is unaffected.
        this.pos++;
        return null;
      case 'k': {
        const open = this.peek(1);
        const close = open === '<' ? '>' : open === "'" ? "'" : open === '{' ? '}' : undefined;
        if (close === undefined) this.fail('\\k must be followed by <name>', start);
        this.pos += 2;
        return this.backref(undefined, this.readName(close), start);
      }
      case 'g': {
        const match = /^g(?:\{(-?\d+|[A-Za-z_]\w*)\}|(-?\d+))/.exec(this.src.slice(this.pos, this.pos + 40));
        if (match === null) {
          if (this.peek(1) === '<' || this.peek(1) === "'")
            this.unsupported('a subroutine call \\g<…>', start);
          this.fail('invalid \\g reference', start);
        }
        this.pos += match[0].length;
        const ref = match[1] ?? match[2]!;
        if (!/^-?\d+$/.test(ref)) return this.backref(undefined, ref, start);
        const number = Number(ref);
        const group = number < 0 ? this.groupCount + 1 + number : number;
        if (group < 1) this.fail('invalid relative group reference', start);
        return this.backref(group, undefined, start);
      }
      case 'G':
        return this.unsupported('\\G', start);
      case 'R':
      case 'X':
      case 'C':
        return this.unsupported(`\\${c}`, start);
    }
    if (c >= '1' && c <= '9') {
      const digits = /^\d+/.exec(this.src.slice(this.pos))![0];
      const value = Number(digits);
      // PCRE: \1–\9, anything starting with 8 or 9, and numbers of groups already opened are references;
      // other multi-digit escapes are octal.
      if (value < 10 || c === '8' || c === '9' || value <= this.groupCount) {
        this.pos += digits.length;
        return this.backref(value, undefined, start);
      }
      const octal = /^[0-7]{1,3}/.exec(digits)![0];
      this.pos += octal.length;
      return { kind: 'char', cp: parseInt(octal, 8), ci: this.flags.i };
    }
    const cp = this.charEscape(c, start);
    if (cp !== undefined) return { kind: 'char', cp, ci: this.flags.i };
    if (isAsciiAlnum(c)) this.fail(`unknown escape '\\${c}'`, start);
    return { kind: 'char', cp: this.nextCodePoint(), ci: this.flags.i };
  }

  /** One member of a class: a code point, or an item that cannot be a range end. */
  private classAtom(): number | ClassItem | ClassItem[] {
    const start = this.pos;
    if (this.peek() !== '\\') return this.nextCodePoint();
    this.pos++;
    const c = this.peek();
    if (c === undefined) this.fail("missing ']'", start);
    if (CLASS_ESCAPES.has(c)) return (this.pos++, { kind: 'escape', name: c as ClassEscape });
    if (c === 'p' || c === 'P') return this.property(c, start);
    if (c === 'b') return (this.pos++, 8);
    if (c === 'Q') {
      this.pos++;
      const end = this.src.indexOf('\\E', this.pos);
      const text = this.src.slice(this.pos, end < 0 ? undefined : end);
      this.pos = end < 0 ? this.src.length : end + 2;
      return [...text].map((ch) => ({ kind: 'range', lo: ch.codePointAt(0)!, hi: ch.codePointAt(0)! }));
    }
    if (c === 'E') return (this.pos++, []);
    if (c >= '1' && c <= '9') {
      // PCRE reads digits in a class as octal; \8 and \9 are errors.
      const octal = /^[0-7]{1,3}/.exec(this.src.slice(this.pos));
      if (octal === null) this.fail(`invalid escape '\\${c}' in a character class`, start);
      this.pos += octal[0].length;
      return parseInt(octal[0], 8);
    }
    const cp = this.charEscape(c, start);
    if (cp !== undefined) return cp;
    if (isAsciiAlnum(c)) this.fail(`escape '\\${c}' is not allowed in a character class`, start);
    return this.nextCodePoint();
  }

  private parseClass(): RegexNode {
    const open = this.pos;
    this.pos++;
    let negated = false;
    if (this.peek() === '^') [negated, this.pos] = [true, this.pos + 1];
    const items: ClassItem[] = [];
    let first = true;
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) this.fail("missing ']'", open);
      if (ch === ']' && !first) break;
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos, this.pos + 12));
      if (posix !== null) {
        const members = POSIX_CLASSES[posix[2]!];
        if (members === undefined) this.fail(`unknown POSIX class [:${posix[2]}:]`);
        this.pos += posix[0].length;
        if (posix[1] === '^') {
          const set = normalizeSet(
            members.flatMap((m) =>
              m.kind === 'range' ? [[m.lo, m.hi] as const] : m.kind === 'escape' ? escapeSet(m.name) : [],
            ),
          );
          items.push(...complementSet(set).map(([lo, hi]): ClassItem => ({ kind: 'range', lo, hi })));
        } else items.push(...members);
        continue;
      }
      const atom = this.classAtom();
      if (typeof atom !== 'number') {
        items.push(...(Array.isArray(atom) ? atom : [atom]));
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        const dash = this.pos;
        this.pos++;
        const end = this.classAtom();
        if (typeof end === 'number') {
          if (end < atom) this.fail('character class range out of order', dash);
          items.push({ kind: 'range', lo: atom, hi: end });
        } else {
          // `[a-\d]`: PCRE and JavaScript both read the dash literally here.
          items.push({ kind: 'range', lo: atom, hi: atom }, { kind: 'range', lo: 45, hi: 45 });
          items.push(...(Array.isArray(end) ? end : [end]));
        }
        continue;
      }
      items.push({ kind: 'range', lo: atom, hi: atom });
    }
    this.pos++;
    return { kind: 'class', items, negated, ci: this.flags.i };
  }
}

/**
 * Parses a Sigma (PCRE-flavoured) regular expression. Never throws: syntax problems come back with a code,
 * a message and the offset in the pattern.
 */
export function parseSigmaRegex(pattern: string, flags: RegexFlags = {}): ParseResult {
  try {
    return { ok: true, regex: new Parser(pattern, flags).parse() };
  } catch (error) {
    if (error instanceof RegexSyntaxError) {
      return {
        ok: false,
        code: error.code,
        message: `${error.message} at offset ${error.offset}`,
        offset: error.offset,
      };
    }
    throw error;
  }
}
