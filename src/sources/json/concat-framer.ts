/**
 * Concatenated JSON framing: top-level objects (or arrays) one after another, separated by whitespace (or
 * commas), e.g. what `evtx_dump` writes: pretty-printed objects, possibly preceded by `Record <n>` lines.
 * A byte scanner tracks depth and string state; a record is one top-level value and its line is the line
 * of its first byte.
 *
 * Recovery from bad input:
 * - bytes outside any record are skipped up to the next `{` at the start of a line and reported once as
 *   `skipped-data` (except runs of `Record <n>` lines, which are evtx_dump framing);
 * - a raw newline cannot occur inside a JSON string, so it ends the string state: one broken string
 *   cannot swallow the rest of the file;
 * - in a pretty-printed record (`{` alone at the start of its line), nested values are always indented,
 *   so a `{` at the start of a line means a new record: the unclosed one is reported as
 *   `truncated-record` and framing restarts there.
 */
import type { BatchBuilder } from './batch-builder.js';
import type { Framer } from './framer.js';
import { SkippedRun, truncatedIssue } from './framer.js';

const BETWEEN = 0;
const RECORD = 1;
const SKIPPING = 2;

export class ConcatFramer implements Framer {
  private readonly builder: BatchBuilder;
  private line = 1;
  private base: number;
  private mode = BETWEEN;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The current record is pretty-printed (see the module comment). */
  private pretty = false;
  /** The record's opening `{` was the last byte of a chunk: prettiness is decided by the next byte. */
  private prettyUndecided = false;
  private lastByte = 0x0a;
  private readonly skipped = new SkippedRun();
  sawContent = false;

  constructor(builder: BatchBuilder, startOffset = 0) {
    this.builder = builder;
    this.base = startOffset;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    const b = this.builder;
    const base = this.base;
    if (this.prettyUndecided) {
      this.pretty = chunk[0] === 0x0a || chunk[0] === 0x0d;
      this.prettyUndecided = false;
    }
    let mode = this.mode;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let line = this.line;
    let recordStart = 0;
    scan: for (let i = 0; i < n; i++) {
      let c = chunk[i]!;
      if (mode === RECORD) {
        if (inString) {
          if (escaped) {
            escaped = false;
            continue;
          }
          // Hot loop: most bytes of a record are inside strings.
          while (c !== 0x22 && c !== 0x5c && c !== 0x0a) {
            if (++i === n) break scan;
            c = chunk[i]!;
          }
          if (c === 0x5c) escaped = true;
          else {
            inString = false;
            if (c === 0x0a) line++;
          }
          continue;
        }
        if (c <= 0x20) {
          if (c === 0x0a) line++;
          continue;
        }
        if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) {
          if (c === 0x7b && this.pretty && (i > 0 ? chunk[i - 1] : this.lastByte) === 0x0a) {
            b.append(chunk, recordStart, i);
            const dropped = b.abandon();
            if (dropped !== undefined && !dropped.tooLarge) {
              b.report(
                truncatedIssue(b.path, dropped, `a new record starts at line ${line} before it closed`),
              );
            }
            this.beginRecord(chunk, i, line, base);
            recordStart = i;
            depth = 1;
            escaped = false;
            continue;
          }
          depth++;
        } else if (c === 0x7d || c === 0x5d) {
          if (--depth === 0) {
            b.append(chunk, recordStart, i + 1);
            b.commit(false);
            mode = BETWEEN;
          }
        }
        continue;
      }
      if (mode === BETWEEN) {
        if (c === 0x0a) {
          line++;
          continue;
        }
        if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x2c) continue;
        this.sawContent = true;
        if (c === 0x7b || c === 0x5b) {
          mode = RECORD;
          depth = 1;
          inString = false;
          escaped = false;
          recordStart = i;
          this.beginRecord(chunk, i, line, base);
          continue;
        }
        mode = SKIPPING;
        this.skipped.start(line, base + i);
      } else if (c === 0x7b && (i > 0 ? chunk[i - 1] : this.lastByte) === 0x0a) {
        // SKIPPING: a `{` at the start of a line is where framing resumes.
        this.endSkipping();
        mode = RECORD;
        depth = 1;
        inString = false;
        escaped = false;
        recordStart = i;
        this.beginRecord(chunk, i, line, base);
        continue;
      }
      this.skipped.add(c);
      if (c === 0x0a) line++;
    }
    if (mode === RECORD) b.append(chunk, recordStart, n);
    this.mode = mode;
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.line = line;
    this.lastByte = chunk[n - 1]!;
    this.base = base + n;
  }

  private beginRecord(chunk: Buffer, i: number, line: number, base: number): void {
    this.builder.begin(line, base + i);
    const atLineStart = (i > 0 ? chunk[i - 1] : this.lastByte) === 0x0a;
    this.pretty = false;
    this.prettyUndecided = false;
    if (chunk[i] === 0x7b && atLineStart) {
      if (i + 1 < chunk.length) this.pretty = chunk[i + 1] === 0x0a || chunk[i + 1] === 0x0d;
      else this.prettyUndecided = true;
    }
  }

  private endSkipping(): void {
    if (!this.skipped.onlyRecordHeaders) {
      this.builder.report(this.skipped.issue(this.builder.path, 'a JSON object'));
    }
  }

  end(complete: boolean): void {
    const b = this.builder;
    if (this.mode === RECORD) {
      const dropped = b.abandon();
      if (dropped !== undefined && !dropped.tooLarge) {
        const why = complete
          ? `the input ended with ${this.depth} bracket(s) still open`
          : 'the input ended early (see the previous issue)';
        b.report(truncatedIssue(b.path, dropped, why));
      }
    } else if (this.mode === SKIPPING) {
      this.endSkipping();
    }
    this.mode = BETWEEN;
    b.finish();
  }
}
