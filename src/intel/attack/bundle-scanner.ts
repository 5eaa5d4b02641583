/**
 * A streaming scanner for one large JSON object whose bulk is one array member — a STIX bundle
 * (`{"type": "bundle", "id": …, "objects": [ … ]}`). Each element of the streamed array is handed over on
 * its own (its text, index, line and offset), so memory holds one element at a time rather than the 50 MB
 * document; the other members are captured whole (they are small: `type`, `id`, `spec_version`) and
 * bounded by `maxMemberBytes`.
 *
 * Only framing happens here (brackets and strings, the same approach as the JSON-array source framer);
 * the caller parses each element with `JSON.parse`, so a malformed element costs that element only.
 * Structural problems (not an object, truncated input, trailing data) are reported as errors with a line
 * and byte offset; the scanner never throws for bad content.
 */

export interface ScannedLocation {
  /** 1-based line of the first byte. */
  readonly line: number;
  /** Byte offset of the first byte. */
  readonly offset: number;
}

export interface BundleScannerHandlers {
  /** An element of the streamed array: its raw text (not yet parsed), its 0-based index and location. */
  onElement(text: string, index: number, location: ScannedLocation): void;
  /** A top-level member other than the streamed array: its key and raw value text. */
  onMember(key: string, text: string, location: ScannedLocation): void;
  /**
   * A framing problem. `recoverable` problems cost one value (an oversized element) and scanning goes
   * on; the others mean the document is not what it should be (not an object, truncated, trailing data).
   */
  onError(message: string, location: ScannedLocation, recoverable: boolean): void;
}

export interface BundleScannerOptions {
  /** The top-level key whose array is streamed (default `objects`). */
  readonly arrayKey?: string;
  /** Elements larger than this are skipped with an error (default 64 MiB). */
  readonly maxElementBytes?: number;
  /** Other members larger than this are skipped with an error (default 64 MiB). */
  readonly maxMemberBytes?: number;
}

const BEFORE = 0;
const KEY_WAIT = 1;
const KEY = 2;
const COLON = 3;
const VALUE_WAIT = 4;
const VALUE = 5;
const ARRAY_WAIT = 6;
const ELEMENT = 7;
const AFTER = 8;
const FAILED = 9;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function indexOrEnd(chunk: Buffer, byte: number, from: number): number {
  const found = chunk.indexOf(byte, from);
  return found < 0 ? chunk.length : found;
}

function describeByte(c: number): string {
  return c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

export class BundleScanner {
  private readonly arrayKey: string;
  private readonly maxElementBytes: number;
  private readonly maxMemberBytes: number;
  private state = BEFORE;
  private line = 1;
  private offset = 0;
  /** Nesting inside the value being captured (0 = a scalar at its own level). */
  private nesting = 0;
  private inString = false;
  private escaped = false;
  private bare = false;
  private key = '';
  private keyBytes: number[] = [];
  private parts: Buffer[] = [];
  private captured = 0;
  private oversized = false;
  private start: ScannedLocation = { line: 1, offset: 0 };
  private elementIndex = 0;
  private sawBom = false;

  constructor(
    private readonly handlers: BundleScannerHandlers,
    options: BundleScannerOptions = {},
  ) {
    this.arrayKey = options.arrayKey ?? 'objects';
    this.maxElementBytes = options.maxElementBytes ?? 64 * 1024 * 1024;
    this.maxMemberBytes = options.maxMemberBytes ?? 64 * 1024 * 1024;
  }

  /** How many elements of the streamed array were framed (including skipped oversized ones). */
  get elements(): number {
    return this.elementIndex;
  }

  /** Scans one chunk; chunks must arrive in order. The chunk is kept by reference until its values end. */
  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    if (!this.sawBom && this.offset === 0 && n >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb) {
      if (chunk[2] === 0xbf) i = 3;
      this.sawBom = true;
    }
    let captureFrom = -1;
    let nextQuote = -1;
    let nextBackslash = -1;
    if (this.state === VALUE || this.state === ELEMENT) captureFrom = i;
    for (; i < n; i++) {
      const c = chunk[i]!;
      switch (this.state) {
        case BEFORE:
          if (c === 0x7b) this.state = KEY_WAIT;
          else if (!isSpace(c))
            this.fail(`expected a JSON object ('{') at the start, found ${describeByte(c)}`, i);
          break;
        case KEY_WAIT:
          if (c === QUOTE) {
            this.state = KEY;
            this.keyBytes = [];
            this.escaped = false;
          } else if (c === 0x7d) this.state = AFTER;
          else if (c !== 0x2c && !isSpace(c))
            this.fail(`expected a member name or '}' in the top-level object, found ${describeByte(c)}`, i);
          break;
        case KEY:
          if (this.escaped) this.escaped = false;
          else if (c === BACKSLASH) this.escaped = true;
          else if (c === QUOTE) {
            this.key = this.decodeKey();
            this.state = COLON;
            break;
          }
          // Member names are short; a runaway one means the input is not what we expect.
          if (this.keyBytes.length > 4096) this.fail('a top-level member name is longer than 4096 bytes', i);
          else this.keyBytes.push(c);
          break;
        case COLON:
          if (c === 0x3a) this.state = VALUE_WAIT;
          else if (!isSpace(c)) this.fail(`expected ':' after "${this.key}", found ${describeByte(c)}`, i);
          break;
        case VALUE_WAIT:
          if (isSpace(c)) break;
          if (this.key === this.arrayKey && c === 0x5b) {
            this.state = ARRAY_WAIT;
            break;
          }
          this.beginCapture(c, i);
          this.state = VALUE;
          captureFrom = i;
          break;
        case ARRAY_WAIT:
          if (isSpace(c) || c === 0x2c) break;
          if (c === 0x5d) {
            this.state = KEY_WAIT;
            break;
          }
          this.beginCapture(c, i);
          this.state = ELEMENT;
          captureFrom = i;
          break;
        case VALUE:
        case ELEMENT: {
          if (this.inString) {
            if (this.escaped) {
              this.escaped = false;
              break;
            }
            // Most bytes are inside strings: jump to the next quote or backslash with native searches.
            // JSON strings hold no raw newline, so no line is skipped over.
            if (nextQuote < i) nextQuote = indexOrEnd(chunk, QUOTE, i);
            if (nextBackslash < i) nextBackslash = indexOrEnd(chunk, BACKSLASH, i);
            const stop = nextQuote < nextBackslash ? nextQuote : nextBackslash;
            if (stop >= n) {
              i = n;
              break;
            }
            i = stop;
            if (chunk[i] === BACKSLASH) this.escaped = true;
            else {
              this.inString = false;
              if (this.nesting === 0) {
                this.endCapture(chunk, captureFrom, i + 1);
                captureFrom = -1;
              }
            }
            continue;
          } else if (this.bare) {
            if (isSpace(c) || c === 0x2c || c === 0x7d || c === 0x5d) {
              this.endCapture(chunk, captureFrom, i);
              captureFrom = -1;
              // The delimiter belongs to the enclosing level: look at it again there.
              i--;
              continue;
            }
          } else if (c === QUOTE) this.inString = true;
          else if (c === 0x7b || c === 0x5b) this.nesting++;
          else if (c === 0x7d || c === 0x5d) {
            if (--this.nesting === 0) {
              this.endCapture(chunk, captureFrom, i + 1);
              captureFrom = -1;
            }
          }
          break;
        }
        case AFTER:
          if (!isSpace(c))
            this.fail(`unexpected ${describeByte(c)} after the end of the top-level object`, i);
          break;
        case FAILED:
          return;
      }
      if (c === NEWLINE) this.line++;
    }
    if (captureFrom >= 0 && (this.state === VALUE || this.state === ELEMENT))
      this.keep(chunk.subarray(captureFrom));
    this.offset += n;
  }

  /** The input ended. Reports a truncated document. */
  end(): void {
    const at = { line: this.line, offset: this.offset };
    switch (this.state) {
      case AFTER:
      case FAILED:
        return;
      case BEFORE:
        this.handlers.onError('the file is empty: expected a JSON object', at, false);
        return;
      case ELEMENT:
        this.handlers.onError(
          `the input ends inside element ${this.elementIndex} of "${this.arrayKey}" (truncated file?)`,
          this.start,
          false,
        );
        return;
      case VALUE:
        if (this.bare && this.nesting === 0) {
          this.flushCapture();
          this.handlers.onError("the input ends before the top-level object's closing '}'", at, false);
          return;
        }
        this.handlers.onError(
          `the input ends inside the value of "${this.key}" (truncated file?)`,
          this.start,
          false,
        );
        return;
      case ARRAY_WAIT:
        this.handlers.onError(`the input ends inside "${this.arrayKey}" (truncated file?)`, at, false);
        return;
      default:
        this.handlers.onError("the input ends before the top-level object's closing '}'", at, false);
    }
  }

  private fail(message: string, index: number): void {
    this.handlers.onError(message, { line: this.line, offset: this.offset + index }, false);
    this.state = FAILED;
  }

  private decodeKey(): string {
    const raw = Buffer.from(this.keyBytes).toString('utf8');
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return raw;
    }
  }

  private beginCapture(c: number, index: number): void {
    this.start = { line: this.line, offset: this.offset + index };
    this.parts = [];
    this.captured = 0;
    this.oversized = false;
    this.escaped = false;
    this.inString = c === QUOTE;
    this.bare = c !== QUOTE && c !== 0x7b && c !== 0x5b;
    this.nesting = c === 0x7b || c === 0x5b ? 1 : 0;
  }

  private get limit(): number {
    return this.state === ELEMENT ? this.maxElementBytes : this.maxMemberBytes;
  }

  /** Keeps a piece of the value being captured, unless it has grown past the limit. */
  private keep(piece: Buffer): void {
    if (this.oversized) return;
    this.captured += piece.length;
    if (this.captured > this.limit) {
      this.oversized = true;
      this.parts = [];
      return;
    }
    // No copy: read streams hand out a fresh buffer per chunk, so the slice stays valid.
    this.parts.push(piece);
  }

  private endCapture(chunk: Buffer, from: number, to: number): void {
    this.keep(chunk.subarray(from, to));
    this.flushCapture();
  }

  private flushCapture(): void {
    const element = this.state === ELEMENT;
    if (this.oversized) {
      const what = element
        ? `element ${this.elementIndex} of "${this.arrayKey}"`
        : `the value of "${this.key}"`;
      this.handlers.onError(`${what} is larger than ${this.limit} bytes; skipped`, this.start, true);
    } else {
      const text = (this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts)).toString('utf8');
      if (element) this.handlers.onElement(text, this.elementIndex, this.start);
      else this.handlers.onMember(this.key, text, this.start);
    }
    this.parts = [];
    if (element) {
      this.elementIndex++;
      this.state = ARRAY_WAIT;
    } else this.state = KEY_WAIT;
  }
}
