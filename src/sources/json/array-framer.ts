/**
 * JSON-array framing: a top-level `[ … ]` whose elements are the records. A byte scanner tracks depth and
 * string state; each element at depth 1 is a record, its line the line of its first byte. Elements are
 * only framed here (brackets and strings), and validated by `JSON.parse` when decoded, so a malformed
 * element costs that element only. Scalars are framed too (and rejected as `not-an-object` when decoded).
 *
 * Leniency: commas are not checked (missing or doubled ones are ignored); several arrays one after another
 * are read in turn. Bytes before the first `[` or after a `]` that is not followed by another array are
 * reported as `skipped-data`; framing resumes at a `[` at the start of a line.
 */
import type { BatchBuilder } from './batch-builder.js';
import type { Framer } from './framer.js';
import { SkippedRun, truncatedIssue } from './framer.js';
import { sourceIssue } from '../issue-codes.js';

/** Before the first `[` (or after a closed array). */
const OUTSIDE = 0;
/** Inside an array, between elements. */
const BETWEEN = 1;
/** Inside an object or array element. */
const NESTED = 2;
/** Inside a string element. */
const STRING = 3;
/** Inside a bare (number, literal or garbage) element. */
const BARE = 4;
/** Skipping bytes outside any array. */
const SKIPPING = 5;

export class ArrayFramer implements Framer {
  private readonly builder: BatchBuilder;
  private line = 1;
  private base: number;
  private mode = OUTSIDE;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private lastByte = 0x0a;
  private arrayLine = 0;
  private arrayOffset = 0;
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
    let mode = this.mode;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let line = this.line;
    let recordStart = 0;
    scan: for (let i = 0; i < n; i++) {
      let c = chunk[i]!;
      switch (mode) {
        case NESTED:
          if (inString) {
            if (escaped) {
              escaped = false;
              break;
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
          } else if (c <= 0x20) {
            if (c === 0x0a) line++;
          } else if (c === 0x22) inString = true;
          else if (c === 0x7b || c === 0x5b) depth++;
          else if (c === 0x7d || c === 0x5d) {
            if (--depth === 0) {
              b.append(chunk, recordStart, i + 1);
              b.commit(false);
              mode = BETWEEN;
            }
          }
          break;
        case BETWEEN:
          if (c === 0x0a) line++;
          else if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x2c) {
            // separators
          } else if (c === 0x5d) mode = OUTSIDE;
          else {
            recordStart = i;
            b.begin(line, base + i);
            if (c === 0x7b || c === 0x5b) {
              mode = NESTED;
              depth = 1;
              inString = false;
              escaped = false;
            } else if (c === 0x22) {
              mode = STRING;
              escaped = false;
            } else mode = BARE;
          }
          break;
        case STRING:
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22 || c === 0x0a) {
            // A raw newline cannot be inside a JSON string: end the element there (it will fail to parse).
            b.append(chunk, recordStart, c === 0x22 ? i + 1 : i);
            b.commit(true);
            mode = BETWEEN;
            if (c === 0x0a) line++;
          }
          break;
        case BARE:
          if (
            c === 0x2c ||
            c === 0x5d ||
            c === 0x20 ||
            c === 0x0a ||
            c === 0x0d ||
            c === 0x09 ||
            c === 0x7b ||
            c === 0x5b ||
            c === 0x22
          ) {
            b.append(chunk, recordStart, i);
            b.commit(false);
            mode = BETWEEN;
            i--; // the terminator is handled between elements
          }
          break;
        case OUTSIDE:
          if (c === 0x0a) line++;
          else if (c === 0x5b) {
            mode = BETWEEN;
            this.sawContent = true;
            this.arrayLine = line;
            this.arrayOffset = base + i;
          } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) {
            this.sawContent = true;
            mode = SKIPPING;
            this.skipped.start(line, base + i);
            this.skipped.add(c);
          }
          break;
        default:
          // SKIPPING until a `[` at the start of a line.
          if (c === 0x5b && (i > 0 ? chunk[i - 1] : this.lastByte) === 0x0a) {
            b.report(this.skipped.issue(b.path, 'a JSON array'));
            mode = BETWEEN;
            this.arrayLine = line;
            this.arrayOffset = base + i;
          } else {
            this.skipped.add(c);
            if (c === 0x0a) line++;
          }
      }
    }
    if (mode === NESTED || mode === STRING || mode === BARE) b.append(chunk, recordStart, n);
    this.mode = mode;
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.line = line;
    this.lastByte = chunk[n - 1]!;
    this.base = base + n;
  }

  end(complete: boolean): void {
    const b = this.builder;
    const mode = this.mode;
    if (mode === NESTED || mode === STRING || mode === BARE) {
      const dropped = b.abandon();
      if (dropped !== undefined && !dropped.tooLarge) {
        const why = complete ? 'the input ended inside this array element' : 'the input ended early';
        b.report(truncatedIssue(b.path, dropped, why));
      }
    } else if (mode === BETWEEN && complete) {
      b.report(
        sourceIssue(
          'unterminated-array',
          'warning',
          `the JSON array opened here has no closing "]" (the input ended); the elements read were kept`,
          { file: b.path, line: this.arrayLine, offset: this.arrayOffset },
        ),
      );
    } else if (mode === SKIPPING) {
      b.report(this.skipped.issue(b.path, 'a JSON array'));
    }
    this.mode = OUTSIDE;
    b.finish();
  }
}
