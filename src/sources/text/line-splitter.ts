/**
 * Framing for text logs: splits a byte stream into lines (`\n`, with one trailing `\r` dropped) and, when
 * asked, into RFC 6587 octet-counted syslog frames (`LEN SP <PRI>…`), telling them apart per frame as a
 * syslog receiver does. Lines are found with `indexOf` (memchr speed) and handed over as views of the chunk;
 * only a line that spans chunks is copied (into a carry buffer). A line longer than `maxLineBytes` is
 * measured, never stored. Every line is delivered, blank ones included: what a line means (a directive, part
 * of a quoted CSV field, a record) is the caller's business.
 */
import type { Issue } from '../../issues.js';
import { formatBytes, sourceIssue } from '../issue-codes.js';

export interface LineSink {
  /** One line or frame, without its terminator. `bytes` is only valid during the call. */
  line(bytes: Uint8Array, start: number, end: number, line: number, offset: number): void;
  /** A line longer than the limit (only measured); `unterminated` when the input ended inside it. */
  tooLong(line: number, offset: number, size: number, unterminated: boolean): void;
  /** Framing problems (bad octet counts, a line cut off by a read error). */
  issue(issue: Issue): void;
}

export interface LineSplitterOptions {
  readonly path: string;
  readonly maxLineBytes: number;
  /** Accept RFC 6587 octet-counted frames (syslog over TCP captured to a file). */
  readonly octetCounting: boolean;
  /** Offset in the (decompressed) input of the first byte pushed (e.g. after a byte-order mark). */
  readonly startOffset?: number;
}

/** At the start of a line or frame. */
const START = 0;
/** Inside a newline-terminated line (its start is in the carry when it began in an earlier chunk). */
const LINE = 1;
/** Reading the digits of an octet count. */
const COUNT = 2;
/** After `LEN SP`: an octet-counted frame only if `<` follows. */
const PEEK = 3;
/** Inside an octet-counted frame. */
const FRAME = 4;
/** Just after an octet-counted frame: a newline, the next frame, or a sign the count was wrong. */
const AFTER_FRAME = 5;

/** An octet count longer than this is not one (10 digits already exceed any sane record). */
const MAX_COUNT_DIGITS = 10;

export class LineSplitter {
  private readonly sink: LineSink;
  private readonly options: LineSplitterOptions;
  private state = START;
  private line = 1;
  /** Offset of the next byte to be pushed. */
  private base: number;
  /** The current line's bytes so far, when it spans chunks (or holds an octet-count header). */
  private carry: Uint8Array = new Uint8Array(256);
  private carryLength = 0;
  /** The current line is longer than the limit: bytes are counted, not kept. */
  private oversize = false;
  private size = 0;
  private lastByte = 0;
  private startLine = 1;
  private startOffset = 0;
  private count = 0;
  private countDigits = 0;
  /** Bytes of the current octet-counted frame still to come. */
  private remaining = 0;
  private frameLine = 0;
  private frameOffset = 0;
  private frameCount = 0;
  /** The previous record was an octet-counted frame: the next must start a frame too, or a line. */
  private followsFrame = false;
  /** Anything other than whitespace was seen. */
  sawContent = false;

  constructor(sink: LineSink, options: LineSplitterOptions) {
    if (!(options.maxLineBytes >= 1)) throw new RangeError('maxLineBytes must be at least 1');
    this.sink = sink;
    this.options = options;
    this.base = options.startOffset ?? 0;
  }

  push(bytes: Uint8Array): void {
    // Buffer's indexOf is memchr; a plain Uint8Array's is not.
    const chunk = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      switch (this.state) {
        case START:
          pos = this.atStart(chunk, pos);
          break;
        case LINE:
          pos = this.inLine(chunk, pos);
          break;
        case COUNT:
        case PEEK:
          pos = this.inCount(chunk, pos);
          break;
        case FRAME:
          pos = this.inFrame(chunk, pos);
          break;
        default:
          pos = this.afterFrame(chunk, pos);
      }
    }
    this.base += n;
  }

  /** The input ended: normally (`complete`) or early, after a read or gzip error already reported. */
  end(complete: boolean): void {
    switch (this.state) {
      case LINE:
      case COUNT:
      case PEEK:
        if (complete || this.oversize) this.finishLine(true);
        else this.reportCut('the input ended early');
        break;
      case FRAME:
        this.reportCut(
          complete
            ? `the input ended ${this.remaining} bytes before the end of the octet-counted frame`
            : 'the input ended early',
        );
        break;
      default:
    }
    this.state = START;
  }

  private atStart(chunk: Buffer, pos: number): number {
    const c = chunk[pos]!;
    this.startLine = this.line;
    this.startOffset = this.base + pos;
    this.carryLength = 0;
    this.oversize = false;
    this.size = 0;
    if (this.options.octetCounting && c >= 0x31 && c <= 0x39) {
      this.state = COUNT;
      this.count = 0;
      this.countDigits = 0;
      return pos;
    }
    this.state = LINE;
    return pos;
  }

  /** Frames complete lines straight from the chunk; keeps the unfinished tail in the carry. */
  private inLine(chunk: Buffer, pos: number): number {
    const n = chunk.length;
    if (this.carryLength > 0 || this.oversize) {
      const nl = indexOfNewline(chunk, pos);
      if (nl === -1) {
        this.keep(chunk, pos, n);
        return n;
      }
      this.keep(chunk, pos, nl);
      this.finishLine(false);
      this.line++;
      this.state = START;
      return nl + 1;
    }
    // Fast path: whole lines inside this chunk, handed over without copying.
    let at = pos;
    for (;;) {
      const nl = indexOfNewline(chunk, at);
      if (nl === -1) {
        this.startLine = this.line;
        this.startOffset = this.base + at;
        this.keep(chunk, at, n);
        return n;
      }
      const end = nl > at && chunk[nl - 1] === 0x0d ? nl - 1 : nl;
      if (end - at > this.options.maxLineBytes) {
        this.sawContent = true;
        this.sink.tooLong(this.line, this.base + at, end - at, false);
      } else this.emit(chunk, at, nl, this.line, this.base + at);
      this.line++;
      at = nl + 1;
      if (at === n) {
        this.state = START;
        return n;
      }
      // A digit may start an octet-counted frame: let `atStart` look at it.
      if (this.options.octetCounting) {
        this.state = START;
        return at;
      }
    }
  }

  private inCount(chunk: Uint8Array, pos: number): number {
    const c = chunk[pos]!;
    if (this.state === COUNT) {
      if (c >= 0x30 && c <= 0x39 && this.countDigits < MAX_COUNT_DIGITS) {
        this.count = this.count * 10 + (c - 0x30);
        this.countDigits++;
        this.keep(chunk, pos, pos + 1);
        return pos + 1;
      }
      if (c === 0x20) {
        this.state = PEEK;
        this.keep(chunk, pos, pos + 1);
        return pos + 1;
      }
      // Digits not followed by a space: an ordinary line (e.g. an ISO timestamp) whose start is in the carry.
      this.notAFrame();
      return pos;
    }
    if (c !== 0x3c) {
      this.notAFrame();
      return pos;
    }
    this.followsFrame = false;
    if (this.count > this.options.maxLineBytes) {
      this.sink.issue(
        sourceIssue(
          'syslog-bad-octet-count',
          'warning',
          `octet count ${this.count} exceeds the limit of ${formatBytes(this.options.maxLineBytes)}; ` +
            'the frame is read up to the next newline instead',
          { file: this.options.path, line: this.startLine, offset: this.startOffset },
        ),
      );
      this.state = LINE;
      return pos;
    }
    this.state = FRAME;
    this.remaining = this.count;
    this.frameCount = this.count;
    this.frameLine = this.line;
    this.frameOffset = this.base + pos;
    this.carryLength = 0;
    this.size = 0;
    return pos;
  }

  private inFrame(chunk: Uint8Array, pos: number): number {
    const take = Math.min(this.remaining, chunk.length - pos);
    for (let i = pos; i < pos + take; i++) if (chunk[i] === 0x0a) this.line++;
    this.keep(chunk, pos, pos + take);
    this.remaining -= take;
    if (this.remaining === 0) {
      let end = this.carryLength;
      // Some senders count a trailing newline as part of the frame.
      if (end > 0 && this.carry[end - 1] === 0x0a) end--;
      if (end > 0 && this.carry[end - 1] === 0x0d) end--;
      this.sawContent = true;
      this.sink.line(this.carry, 0, end, this.frameLine, this.frameOffset);
      this.carryLength = 0;
      this.state = AFTER_FRAME;
    }
    return pos + take;
  }

  private afterFrame(chunk: Uint8Array, pos: number): number {
    const c = chunk[pos]!;
    if (c === 0x0a) {
      this.line++;
      this.state = START;
      return pos + 1;
    }
    if (c === 0x0d || c === 0x20) return pos + 1;
    this.state = START;
    if ((c >= 0x30 && c <= 0x39) || c === 0x3c) {
      // Digits must turn out to be the next count; `notAFrame` reports it otherwise.
      this.followsFrame = c !== 0x3c;
      return pos;
    }
    this.reportMisalignedFrame();
    return pos;
  }

  /** What looked like the start of an octet count is the start of an ordinary line. */
  private notAFrame(): void {
    this.state = LINE;
    if (this.followsFrame) {
      this.followsFrame = false;
      this.reportMisalignedFrame();
    }
  }

  private reportMisalignedFrame(): void {
    this.sink.issue(
      sourceIssue(
        'syslog-bad-octet-count',
        'warning',
        `the octet-counted frame at this position is not followed by another frame or a newline ` +
          `(its count, ${this.frameCount}, is probably wrong); the rest of the line is read as its own record`,
        { file: this.options.path, line: this.frameLine, offset: this.frameOffset },
      ),
    );
  }

  /** Adds bytes to the current line, unless it has already outgrown the limit. */
  private keep(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    this.size += n;
    this.lastByte = chunk[to - 1]!;
    if (this.oversize) return;
    // One byte of slack: a CRLF line's `\r` does not count towards the limit.
    if (this.size > this.options.maxLineBytes + 1 && this.state !== FRAME) {
      this.oversize = true;
      this.carryLength = 0;
      return;
    }
    const need = this.carryLength + n;
    if (need > this.carry.length) {
      const grown = new Uint8Array(
        Math.max(need, Math.min(this.carry.length * 2, this.options.maxLineBytes + 1)),
      );
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(chunk.subarray(from, to), this.carryLength);
    this.carryLength = need;
  }

  private finishLine(unterminated: boolean): void {
    if (this.oversize) {
      let size = this.size;
      // A CRLF line's `\r` is not part of the record.
      if (!unterminated && this.lastByte === 0x0d) size--;
      this.sink.tooLong(this.startLine, this.startOffset, size, unterminated);
      this.oversize = false;
      this.carryLength = 0;
      this.sawContent = true;
      return;
    }
    const length =
      this.carryLength > 0 && this.carry[this.carryLength - 1] === 0x0d
        ? this.carryLength - 1
        : this.carryLength;
    if (length > this.options.maxLineBytes) {
      this.sawContent = true;
      this.sink.tooLong(this.startLine, this.startOffset, length, unterminated);
    } else {
      this.emit(this.carry, 0, this.carryLength, this.startLine, this.startOffset);
    }
    this.carryLength = 0;
  }

  private emit(bytes: Uint8Array, start: number, end: number, line: number, offset: number): void {
    const e = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    if (!this.sawContent) {
      for (let i = start; i < e; i++) {
        const c = bytes[i]!;
        if (c !== 0x20 && c !== 0x09 && c !== 0x0d) {
          this.sawContent = true;
          break;
        }
      }
    }
    this.sink.line(bytes, start, e, line, offset);
  }

  private reportCut(why: string): void {
    const line = this.state === FRAME ? this.frameLine : this.startLine;
    const offset = this.state === FRAME ? this.frameOffset : this.startOffset;
    const size = this.size;
    this.carryLength = 0;
    this.oversize = false;
    this.sawContent = true;
    this.sink.issue(
      sourceIssue(
        'truncated-record',
        'error',
        `record cut off after ${formatBytes(size)} (${size} bytes): ${why}; skipped`,
        { file: this.options.path, line, offset },
      ),
    );
  }
}

function indexOfNewline(chunk: Buffer, from: number): number {
  return chunk.indexOf(0x0a, from);
}
