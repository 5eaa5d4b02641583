/**
 * Line-oriented output files for the generator: each keeps a bounded buffer, flushes it with synchronous
 * writes, and counts lines and bytes so that the manifest can point at individual records.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const FLUSH_BYTES = 1 << 20;

export class LineFile {
  private fd: number;
  private pending: string[] = [];
  private pendingLength = 0;
  /** Lines written so far (the 1-based number of the last line). */
  lines = 0;
  bytes = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
  }

  /** Appends one line (without its newline); returns its 1-based line number. */
  write(line: string): number {
    this.pending.push(line, '\n');
    this.pendingLength += line.length + 1;
    if (this.pendingLength >= FLUSH_BYTES) this.flush();
    return ++this.lines;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const buffer = Buffer.from(this.pending.join(''), 'utf8');
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(this.fd, buffer, offset);
    this.bytes += buffer.length;
    this.pending = [];
    this.pendingLength = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
