/**
 * Decodes one EVTX chunk: checks its header and checksums, walks its records and renders each one (as the
 * evtx_dump JSON object, or as XML text). Damage is reported and skipped, never thrown:
 * - a chunk without the `ElfChnk` signature, or whose header is unusable: one `evtx-bad-chunk` (skipped);
 * - a checksum mismatch (common in files copied from a live system): an `evtx-checksum` warning, and the
 *   records are still read one by one, each validated on its own;
 * - a record whose framing is broken: `evtx-bad-record` (skipped), and the walk resumes at the next
 *   plausible record signature; a record whose BinXml is bad: `evtx-bad-record` (skipped).
 */
import type { Issue } from '../../issues.js';
import { BinXmlError, ChunkParser } from './binxml.js';
import {
  CHUNK_HEADER_SIZE,
  CHUNK_SIZE,
  chunkHeaderCrc,
  crc32,
  isChunkMagic,
  isRecordAt,
  parseChunkHeader,
  RECORD_HEADER_SIZE,
} from './format.js';
import { evtxIssue } from './issues.js';
import { JsonRenderer } from './render-json.js';
import { XmlRenderer } from './render-xml.js';
import { clearValueProblem, valueProblem } from './values.js';

export type EvtxOutput = 'json' | 'xml';

export interface ChunkRecordSink {
  /** A decoded record: a JSON object (`json`) or XML text (`xml`), its EventRecordID and file offset. */
  record(value: unknown, recordId: number, fileOffset: number): void;
  /** A problem; `skipped` when a record (or a whole chunk) was not delivered because of it. */
  issue(issue: Issue, skipped: boolean): void;
}

export interface ChunkLocation {
  readonly path: string;
  /** 0-based chunk number in the file. */
  readonly chunkNumber: number;
  /** File offset of the chunk. */
  readonly fileOffset: number;
}

export interface ChunkStats {
  records: number;
  skipped: number;
}

/**
 * Decodes the chunk at `bytes[start, start+length)` (`length` < 64 KiB when the file ends inside it).
 * Returns how many records were delivered and skipped.
 */
export function decodeChunk(
  bytes: Uint8Array,
  start: number,
  length: number,
  where: ChunkLocation,
  output: EvtxOutput,
  sink: ChunkRecordSink,
): ChunkStats {
  const stats: ChunkStats = { records: 0, skipped: 0 };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { path, chunkNumber, fileOffset } = where;
  const label = `chunk ${chunkNumber}`;
  const chunkIssue = (
    code: Parameters<typeof evtxIssue>[0],
    severity: 'error' | 'warning',
    message: string,
    at: number,
    record?: number,
  ): Issue => evtxIssue(code, severity, `${label}: ${message}`, path, fileOffset + (at - start), record);

  if (length < CHUNK_HEADER_SIZE || !isChunkMagic(bytes, start)) {
    stats.skipped++;
    const why =
      length < CHUNK_HEADER_SIZE
        ? `only ${length} bytes before the end of the file (a chunk header needs ${CHUNK_HEADER_SIZE})`
        : 'no "ElfChnk" signature';
    sink.issue(chunkIssue('evtx-bad-chunk', 'error', `${why}; chunk skipped`, start), true);
    return stats;
  }
  if (length < CHUNK_SIZE) {
    sink.issue(
      chunkIssue(
        'evtx-truncated-chunk',
        'warning',
        `the file ends ${length} bytes into this chunk; reading what is there`,
        start,
      ),
      false,
    );
  }
  const header = parseChunkHeader(dv, start);
  if (chunkHeaderCrc(bytes, start) !== header.headerChecksum) {
    sink.issue(
      chunkIssue(
        'evtx-checksum',
        'warning',
        'chunk header checksum mismatch (records are still read and checked one by one)',
        start,
      ),
      false,
    );
  }
  let dataEnd = header.freeSpaceOffset;
  if (dataEnd < CHUNK_HEADER_SIZE || dataEnd > CHUNK_SIZE) {
    sink.issue(
      chunkIssue(
        'evtx-checksum',
        'warning',
        `free-space offset ${dataEnd} is outside the chunk; records are read up to the end of the chunk`,
        start,
      ),
      false,
    );
    dataEnd = CHUNK_SIZE;
  } else if (
    dataEnd <= length &&
    crc32(bytes.subarray(start + CHUNK_HEADER_SIZE, start + dataEnd)) !== header.dataChecksum
  ) {
    sink.issue(
      chunkIssue(
        'evtx-checksum',
        'warning',
        'record data checksum mismatch (records are still read and checked one by one)',
        start,
      ),
      false,
    );
  }
  const end = start + Math.min(dataEnd, length);

  const parser = new ChunkParser(buf, dv, start, fileOffset, start + length);
  let jsonRenderer: JsonRenderer | undefined;
  let xmlRenderer: XmlRenderer | undefined;
  let pos = start + CHUNK_HEADER_SIZE;
  while (pos + RECORD_HEADER_SIZE + 4 <= end) {
    if (!isRecordAt(dv, pos, end)) {
      const resume = nextRecord(dv, pos + 1, end);
      stats.skipped++;
      const gap = resume - pos;
      sink.issue(
        chunkIssue(
          'evtx-bad-record',
          'error',
          `no valid record at this offset (bad signature or size); ${gap} bytes skipped`,
          pos,
        ),
        true,
      );
      pos = resume;
      continue;
    }
    const size = dv.getUint32(pos + 4, true);
    const recordId = dv.getUint32(pos + 12, true) * 4294967296 + dv.getUint32(pos + 8, true);
    const recordOffset = fileOffset + (pos - start);
    try {
      clearValueProblem();
      const bodyStart = pos + RECORD_HEADER_SIZE;
      const bodyEnd = pos + size - 4;
      let value: unknown;
      if (output === 'json') {
        jsonRenderer ??= new JsonRenderer(parser);
        const instance = parser.instanceStream(bodyStart, bodyEnd, 0, true);
        value =
          instance !== undefined
            ? jsonRenderer.renderInstance(instance)
            : jsonRenderer.render(parser.parse(bodyStart, bodyEnd, false, 0));
      } else {
        value = (xmlRenderer ??= new XmlRenderer(parser)).render(parser.parse(bodyStart, bodyEnd, false, 0));
      }
      if (valueProblem !== undefined) {
        sink.issue(
          evtxIssue('evtx-bad-value', 'warning', `${label}: ${valueProblem}`, path, recordOffset, recordId),
          false,
        );
      }
      stats.records++;
      sink.record(value, recordId, recordOffset);
    } catch (error) {
      stats.skipped++;
      const reason = error instanceof Error ? error.message : String(error);
      const at = error instanceof BinXmlError ? error.offset : recordOffset;
      sink.issue(
        evtxIssue(
          'evtx-bad-record',
          'error',
          `${label}: record ${recordId}: ${reason}; record skipped`,
          path,
          at,
          recordId,
        ),
        true,
      );
    }
    pos += size;
  }
  return stats;
}

/** The next position in [from, end) where a plausible record starts, or `end`. */
function nextRecord(dv: DataView, from: number, end: number): number {
  for (let p = from; p + RECORD_HEADER_SIZE + 4 <= end; p++) {
    if (dv.getUint8(p) === 0x2a && isRecordAt(dv, p, end)) return p;
  }
  return end;
}
