/**
 * NDJSON / JSON Lines framing: one record per `\n`-terminated line. A trailing `\r` is dropped (CRLF files),
 * leading whitespace is skipped, blank lines are skipped, and the last line needs no newline. Lines are
 * found with `Buffer.indexOf` (memchr speed); the complete lines of a chunk are copied into the batch in
 * runs rather than one by one. A line longer than `maxRecordBytes` is measured, never stored.
 */
import type { BatchBuilder } from './batch-builder.js';
import type { Framer } from './framer.js';
import { truncatedIssue } from './framer.js';

export class NdjsonFramer implements Framer {
  private readonly builder: BatchBuilder;
  /** Line number of the next byte. */
  private line = 1;
  /** Offset in the (decompressed) input of the next chunk's first byte. */
  private base: number;
  /** The pending line's last byte so far is a `\r` not yet stored (see `appendTail`). */
  private heldCR = false;
  sawContent = false;

  constructor(builder: BatchBuilder, startOffset = 0) {
    this.builder = builder;
    this.base = startOffset;
  }

  push(chunk: Buffer): void {
    const b = this.builder;
    const n = chunk.length;
    if (n === 0) return;
    const base = this.base;
    this.base += n;
    let pos = 0;
    if (b.inRecord) {
      const nl = chunk.indexOf(0x0a);
      if (this.heldCR) {
        // The `\r` that ended the previous chunk: a line ending if `\n` follows, content otherwise.
        this.heldCR = false;
        if (nl !== 0) b.append(CR, 0, 1);
      }
      if (nl === -1) {
        this.appendTail(chunk, 0, n);
        return;
      }
      b.append(chunk, 0, nl > 0 && chunk[nl - 1] === 0x0d ? nl - 1 : nl);
      b.commit(false);
      this.line++;
      pos = nl + 1;
    }

    const last = chunk.lastIndexOf(0x0a);
    if (last >= pos) {
      this.completeLines(chunk, pos, last, base);
      pos = last + 1;
    }

    // An unfinished last line: store what there is and continue with the next chunk.
    let s = pos;
    while (s < n && isBlank(chunk[s]!)) s++;
    if (s < n) {
      this.sawContent = true;
      b.begin(this.line, base + s);
      this.appendTail(chunk, s, n);
    }
  }

  /**
   * Appends the end of a chunk to the pending line, holding back a final `\r`: if it turns out to end the
   * line it must not count towards the record's size.
   */
  private appendTail(chunk: Buffer, from: number, to: number): void {
    if (chunk[to - 1] === 0x0d) {
      this.builder.append(chunk, from, to - 1);
      this.heldCR = true;
    } else {
      this.builder.append(chunk, from, to);
    }
  }

  /** Frames the complete lines in `chunk[from, last]` (`chunk[last]` is `\n`). */
  private completeLines(chunk: Buffer, from: number, last: number, base: number): void {
    const b = this.builder;
    const max = b.maxRecordBytes;
    let line = this.line;
    let pos = from;
    // An open run: bytes chunk[runStart, pos) still to be copied, landing at batch position index + delta;
    // the run must end by runLimit to fit in the batch.
    let runOpen = false;
    let runStart = 0;
    let runLimit = 0;
    let delta = 0;
    while (pos <= last) {
      const nl = chunk.indexOf(0x0a, pos);
      if (runOpen && nl + 1 > runLimit) {
        // The batch is full up to here; the next record (if this line is one) starts a new run.
        b.copy(chunk, runStart, pos);
        runOpen = false;
      }
      let s = pos;
      while (s < nl && isBlank(chunk[s]!)) s++;
      if (s === nl) {
        line++;
        pos = nl + 1;
        continue;
      }
      this.sawContent = true;
      const e = chunk[nl - 1] === 0x0d ? nl - 1 : nl;
      if (e - s > max) {
        if (runOpen) b.copy(chunk, runStart, pos);
        runOpen = false;
        b.reportTooLarge(line, base + s, e - s, false);
        line++;
        pos = nl + 1;
        continue;
      }
      if (!runOpen) {
        if (nl + 1 - pos > b.room) b.emit();
        if (nl + 1 - pos > b.room) {
          // A line bigger than a whole batch goes through the pending-record path, which grows the buffer.
          b.begin(line, base + s);
          b.append(chunk, s, e);
          b.commit(false);
          line++;
          pos = nl + 1;
          continue;
        }
        runOpen = true;
        runStart = pos;
        runLimit = pos + b.room;
        delta = b.length - pos;
      }
      b.add(s + delta, e + delta, line, base + s);
      line++;
      pos = nl + 1;
    }
    if (runOpen) b.copy(chunk, runStart, pos);
    if (b.full) b.emit();
    this.line = line;
  }

  end(complete: boolean): void {
    const b = this.builder;
    if (b.inRecord) {
      // A `\r` at the very end of the input ends the line like a `\r\n` would.
      this.heldCR = false;
      if (complete) {
        b.commit(false);
      } else {
        const dropped = b.abandon();
        if (dropped !== undefined && !dropped.tooLarge)
          b.report(truncatedIssue(b.path, dropped, 'input ended early'));
      }
    }
    b.finish();
  }
}

const CR = new Uint8Array([0x0d]);

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}
