/**
 * Frames an EVTX file into `evtx-chunks` batches: reads the file header, then every 64 KiB block after it,
 * a few whole chunks per batch (each batch its own fresh buffer, transferable to a worker). The next batch
 * is read while the consumer works on the current one (decoding is fast enough that waiting for each read
 * in turn left the thread idle half the time), so memory is two batches, whatever the file size.
 *
 * Blocks are read into reused buffers: a block whose chunks are all in use becomes the batch's buffer as
 * it is (and the pool allocates another), otherwise only its chunks in use are copied into a fresh buffer
 * of their size. Logs are often mostly pre-allocated empty chunks (the sample corpus is: 200 MB hold 57,000
 * records), and giving each of those a fresh buffer cost more than decoding the records.
 *
 * Chunks are found by position, not by the header's chunk count: files copied from a live system often
 * have a stale header (dirty flag, a count lower than the chunks written), and evtx and libevtx read on as
 * well. Blocks that are entirely zero (pre-allocated, never written) are skipped silently; anything else is
 * handed to the decoder, which reports a block that is not a valid chunk.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Issue } from '../../issues.js';
import { sourceIssue } from '../issue-codes.js';
import type { EvtxChunkBatch, SourceOptions } from '../types.js';
import { CHUNK_SIZE, FILE_FLAG_DIRTY, FILE_HEADER_SIZE, isChunkMagic, parseFileHeader } from './format.js';
import { evtxIssue } from './issues.js';

/** Chunks per batch when `batchBytes` does not say otherwise (4 = 256 KiB, the default batch size). */
const MIN_CHUNKS_PER_BATCH = 1;

export interface EvtxReadSummary {
  chunks: number;
  emptyChunks: number;
  headerChunkCount: number;
  /** The file could be opened and had room for at least a header. */
  opened: boolean;
}

export async function* readEvtxFile(
  path: string,
  options: SourceOptions,
  summary: EvtxReadSummary = { chunks: 0, emptyChunks: 0, headerChunkCount: 0, opened: false },
): AsyncGenerator<EvtxChunkBatch, void, undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    options.onIssue(openIssue(path, error));
    return;
  }
  try {
    let size: number;
    try {
      const stat = await fh.stat();
      if (stat.isDirectory()) {
        options.onIssue(sourceIssue('unreadable', 'error', 'is a directory, not a file', { file: path }));
        return;
      }
      size = stat.size;
    } catch (error) {
      options.onIssue(readIssue(path, 0, error));
      return;
    }
    const head = Buffer.alloc(Math.min(FILE_HEADER_SIZE, size));
    if ((await readAt(fh, head, 0, path, options)) < 0) return;
    if (size === 0) {
      options.onIssue(sourceIssue('empty-file', 'warning', 'the file is empty', { file: path }));
      return;
    }
    summary.opened = true;
    if (head[0] === 0x1f && head[1] === 0x8b) {
      options.onIssue(
        evtxIssue(
          'evtx-bad-file-header',
          'error',
          'a gzip-compressed EVTX file; decompress it first (gunzip)',
          path,
          0,
        ),
      );
      return;
    }
    if (head.length < 128) {
      options.onIssue(
        evtxIssue(
          'evtx-bad-file-header',
          'error',
          `only ${size} bytes: too short for an EVTX file header`,
          path,
          0,
        ),
      );
      return;
    }
    const header = parseFileHeader(head);
    summary.headerChunkCount = header.chunkCount;
    if (!header.magicOk) {
      const probe = Buffer.alloc(8);
      const got = size >= FILE_HEADER_SIZE + 8 ? await readAt(fh, probe, FILE_HEADER_SIZE, path, options) : 0;
      if (got < 0) return;
      if (got < 8 || !isChunkMagic(probe, 0)) {
        options.onIssue(
          evtxIssue(
            'evtx-bad-file-header',
            'error',
            'not an EVTX file: no "ElfFile" signature and no chunk where the first chunk starts',
            path,
            0,
          ),
        );
        return;
      }
    }
    const headerProblems: string[] = [];
    if (!header.magicOk) headerProblems.push('no "ElfFile" signature');
    else {
      if (!header.checksumOk) headerProblems.push('header checksum mismatch');
      if (header.flags & FILE_FLAG_DIRTY)
        headerProblems.push('marked dirty (not closed cleanly, e.g. copied from a live system)');
      if (header.majorVersion !== 3)
        headerProblems.push(`unexpected format version ${header.majorVersion}.${header.minorVersion}`);
    }
    if (headerProblems.length > 0) {
      options.onIssue(
        evtxIssue(
          'evtx-bad-file-header',
          'warning',
          `file header: ${headerProblems.join('; ')}; chunks are found by scanning the file`,
          path,
          0,
        ),
      );
    }
    options.onProgress?.(head.length);

    const perBatch = Math.max(MIN_CHUNKS_PER_BATCH, Math.floor(options.batchBytes / CHUNK_SIZE));
    const blockSize = perBatch * CHUNK_SIZE;
    const readAhead = (at: number): Promise<Block> | undefined =>
      at < size ? readBlock(fh, at, Math.min(blockSize, size - at), takeBuffer(blockSize)) : undefined;
    let ahead = options.signal?.aborted ? undefined : readAhead(FILE_HEADER_SIZE);
    try {
      while (ahead !== undefined) {
        const block = await ahead;
        ahead = undefined;
        if (options.signal?.aborted) {
          returnBuffer(block.buffer);
          return;
        }
        const { buffer, length, read, offset } = block;
        if (block.error !== undefined) {
          returnBuffer(buffer);
          options.onIssue(readIssue(path, offset + read, block.error));
          return;
        }
        // A short read: the file shrank while being read, and nothing more is read.
        if (read === length) ahead = readAhead(offset + read);
        const batch = frame(path, buffer, read, offset, summary);
        options.onProgress?.(offset + read);
        if (batch !== undefined) yield batch;
      }
    } finally {
      // Let a read still in flight finish before the file is closed; its buffer goes back to the pool.
      if (ahead !== undefined) returnBuffer((await ahead).buffer);
    }
    const found = summary.chunks;
    if (header.magicOk && found > header.chunkCount) {
      options.onIssue(
        evtxIssue(
          'evtx-bad-file-header',
          'warning',
          `the header counts ${header.chunkCount} chunks but ${found} were found and read (stale header)`,
          path,
          0,
        ),
      );
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * The batch of the non-empty chunks among the first `length` bytes of `block` (read at `fileOffset`), or
 * undefined when all are empty. Takes `block` over when every chunk of a full block is in use; otherwise
 * copies those chunks and returns `block` to the pool.
 */
function frame(
  path: string,
  block: Buffer,
  length: number,
  fileOffset: number,
  summary: EvtxReadSummary,
): EvtxChunkBatch | undefined {
  const used: number[] = [];
  for (let start = 0; start < length; start += CHUNK_SIZE) {
    if (isZero(block, start, Math.min(start + CHUNK_SIZE, length))) summary.emptyChunks++;
    else used.push(start);
  }
  summary.chunks += used.length;
  if (used.length === 0) {
    returnBuffer(block);
    return undefined;
  }
  let bytes: Buffer;
  const starts: number[] = [];
  const lengths: number[] = [];
  if (length === block.length && used.length * CHUNK_SIZE === length) {
    bytes = block; // every chunk in use: the batch keeps the buffer itself
    for (const start of used) {
      starts.push(start);
      lengths.push(CHUNK_SIZE);
    }
  } else {
    const chunkLength = (start: number): number => Math.min(CHUNK_SIZE, length - start);
    // Its own ArrayBuffer of exactly this length (not pooled, not zero-filled: every byte is copied).
    bytes = Buffer.allocUnsafeSlow(used.reduce((n, start) => n + chunkLength(start), 0));
    let at = 0;
    for (const start of used) {
      const n = chunkLength(start);
      block.copy(bytes, at, start, start + n);
      starts.push(at);
      lengths.push(n);
      at += n;
    }
    returnBuffer(block);
  }
  return {
    kind: 'evtx-chunks',
    path,
    format: 'evtx',
    bytes,
    chunkStarts: Uint32Array.from(starts),
    chunkLengths: Uint32Array.from(lengths),
    chunkOffsets: Float64Array.from(used, (start) => fileOffset + start),
    chunkNumbers: Uint32Array.from(used, (start) => (fileOffset + start - FILE_HEADER_SIZE) / CHUNK_SIZE),
  };
}

/** Reusable read buffers, by size; a few per size (a reader holds two at a time). */
const bufferPool = new Map<number, Buffer[]>();
const MAX_POOLED_PER_SIZE = 4;

function takeBuffer(size: number): Buffer {
  // Its own ArrayBuffer of exactly this size, so that a batch can take it over and be transferred.
  return bufferPool.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
}

function returnBuffer(buffer: Buffer): void {
  let pool = bufferPool.get(buffer.length);
  if (pool === undefined) bufferPool.set(buffer.length, (pool = []));
  if (pool.length < MAX_POOLED_PER_SIZE) pool.push(buffer);
}

const ZERO_CHUNK = Buffer.alloc(CHUNK_SIZE);

function isZero(bytes: Buffer, start: number, end: number): boolean {
  // Quick reject on the signature; then one memcmp against zeros for blocks that start with zeros.
  for (let i = start; i < Math.min(end, start + 8); i++) if (bytes[i] !== 0) return false;
  return ZERO_CHUNK.compare(bytes, start, end, 0, end - start) === 0;
}

interface Block {
  /** The pooled buffer read into (`length` bytes of it were asked for). */
  readonly buffer: Buffer;
  readonly length: number;
  readonly offset: number;
  /** Bytes read (fewer than `length` when the file ended first). */
  readonly read: number;
  /** The read failed after `read` bytes; reported by the consumer (a block read ahead may go unused). */
  readonly error?: unknown;
}

/** Reads `length` bytes at `offset` into `buffer`; never rejects. */
async function readBlock(fh: FileHandle, offset: number, length: number, buffer: Buffer): Promise<Block> {
  let read = 0;
  try {
    while (read < length) {
      const { bytesRead } = await fh.read(buffer, read, length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return { buffer, length, offset, read };
  } catch (error) {
    return { buffer, length, offset, read, error };
  }
}

async function readAt(
  fh: FileHandle,
  into: Uint8Array,
  position: number,
  path: string,
  options: SourceOptions,
): Promise<number> {
  let done = 0;
  try {
    while (done < into.length) {
      const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  } catch (error) {
    options.onIssue(readIssue(path, position + done, error));
    return -1;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function openIssue(path: string, error: unknown): Issue {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') {
    return sourceIssue('file-vanished', 'error', 'the file disappeared before it could be read', {
      file: path,
    });
  }
  if (code === 'EACCES' || code === 'EPERM')
    return sourceIssue('unreadable', 'error', 'permission denied', { file: path });
  return sourceIssue('unreadable', 'error', `cannot open: ${errorText(error)}`, { file: path });
}

function readIssue(path: string, offset: number, error: unknown): Issue {
  return sourceIssue(
    'read-error',
    'error',
    `reading failed at byte ${offset}: ${errorText(error)}; the rest of the file is skipped`,
    { file: path, offset },
  );
}
