/**
 * Reads a file as a sequence of byte chunks, gunzipping transparently when the content starts with the gzip
 * magic bytes (1f 8b), whatever the file is called. Problems (the file vanished, cannot be opened, a read
 * fails, the gzip stream is corrupt) are reported as issues and end the sequence; nothing is thrown for
 * them. `state` tells the caller how the sequence ended.
 *
 * A yielded chunk is valid only until the consumer asks for the next one: the read buffer is reused.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Issue } from '../issues.js';
import { sourceIssue } from './issue-codes.js';
import { DEFAULT_CHUNK_BYTES } from './types.js';

export interface ChunkReadOptions {
  readonly chunkBytes?: number;
  readonly onIssue: (issue: Issue) => void;
  readonly onProgress?: (bytesRead: number) => void;
  readonly signal?: AbortSignal;
}

export interface ChunkReadState {
  /** The file is gzip-compressed (known once the first chunk has been read). */
  gzip: boolean;
  /** The end of the input was reached normally; false after an issue or an abort. */
  complete: boolean;
  aborted: boolean;
  /** Bytes read from disk (compressed bytes for gzip). */
  diskBytes: number;
  /** Bytes yielded (decompressed). */
  bytes: number;
}

export function newChunkReadState(): ChunkReadState {
  return { gzip: false, complete: false, aborted: false, diskBytes: 0, bytes: 0 };
}

/** zlib rejects output chunks below 64 bytes. */
const MIN_ZLIB_CHUNK = 64;
/**
 * zlib's output chunk. What zlib inflated in its last step before hitting corrupt data is lost with the
 * error, so this also bounds how much good data a corrupt spot can take with it.
 */
const MAX_ZLIB_CHUNK = 64 * 1024;
/** The first compressed slice is small so that a gzip bomb cannot blow up one step's output. */
const MIN_GZIP_SLICE = 4096;

export async function* readFileChunks(
  path: string,
  options: ChunkReadOptions,
  state: ChunkReadState,
): AsyncGenerator<Buffer, void, undefined> {
  const chunkBytes = Math.max(1, Math.floor(options.chunkBytes ?? DEFAULT_CHUNK_BYTES));
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    options.onIssue(openIssue(path, error));
    return;
  }
  try {
    try {
      if ((await fh.stat()).isDirectory()) {
        options.onIssue(sourceIssue('unreadable', 'error', 'is a directory, not a file', { file: path }));
        return;
      }
    } catch (error) {
      options.onIssue(readIssue(path, 0, error));
      return;
    }
    // At least two bytes, to see the gzip magic number even with tiny chunks.
    const buf = Buffer.allocUnsafeSlow(Math.max(2, chunkBytes));
    let n = await readInto(fh, buf, path, options, state);
    if (n < 0) return;
    if (n === 1) {
      // A short first read (a pipe, or chunkBytes 1): get the second byte before deciding.
      const more = await readInto(fh, buf.subarray(1), path, options, state);
      if (more < 0) return;
      n += more;
    }
    if (n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
      state.gzip = true;
      yield* gunzipChunks(fh, buf, n, path, options, state, chunkBytes);
      return;
    }
    while (n > 0) {
      state.bytes += n;
      yield buf.subarray(0, n);
      if (options.signal?.aborted) {
        state.aborted = true;
        return;
      }
      n = await readInto(fh, buf, path, options, state);
      if (n < 0) return;
    }
    state.complete = true;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Reads the next chunk from the current position; -1 after reporting a read error. */
async function readInto(
  fh: FileHandle,
  buf: Uint8Array,
  path: string,
  options: ChunkReadOptions,
  state: ChunkReadState,
): Promise<number> {
  try {
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    state.diskBytes += bytesRead;
    if (bytesRead > 0) options.onProgress?.(state.diskBytes);
    return bytesRead;
  } catch (error) {
    options.onIssue(readIssue(path, state.diskBytes, error));
    return -1;
  }
}

/**
 * Feeds the compressed file to zlib one slice at a time and yields what each slice inflates to before
 * feeding the next, so memory stays bounded even for a gzip bomb. Output is taken from 'data' events as it
 * is produced (not through the stream's async iterator, which drops buffered output on error), so what
 * was inflated before a corrupt spot is delivered before the error is reported (less at most one zlib
 * chunk, see MAX_ZLIB_CHUNK).
 */
async function* gunzipChunks(
  fh: FileHandle,
  buf: Buffer,
  firstLength: number,
  path: string,
  options: ChunkReadOptions,
  state: ChunkReadState,
  chunkBytes: number,
): AsyncGenerator<Buffer, void, undefined> {
  const gz = createGunzip({ chunkSize: Math.max(MIN_ZLIB_CHUNK, Math.min(chunkBytes, MAX_ZLIB_CHUNK)) });
  const out: Buffer[] = [];
  let failure: Error | undefined;
  let ended = false;
  let written = false;
  let notify: (() => void) | undefined;
  const wake = (): void => {
    const resolve = notify;
    notify = undefined;
    resolve?.();
  };
  const event = (): Promise<void> =>
    new Promise<void>((resolve) => {
      notify = resolve;
    });
  gz.on('data', (chunk: Buffer) => {
    out.push(chunk);
    wake();
  });
  gz.on('error', (error: Error) => {
    failure ??= error;
    wake();
  });
  gz.on('end', () => {
    ended = true;
    wake();
  });

  const minSlice = Math.min(MIN_GZIP_SLICE, chunkBytes);
  let slice = minSlice;
  let inputLength = firstLength;
  let inputPos = 0;
  try {
    for (;;) {
      if (inputPos === inputLength) {
        inputLength = await readInto(fh, buf, path, options, state);
        inputPos = 0;
        if (inputLength < 0) {
          gz.destroy();
          return;
        }
        if (inputLength === 0) break;
      }
      const end = Math.min(inputLength, inputPos + slice);
      const produced = state.bytes;
      written = false;
      // The slice is a view of the reused read buffer: safe because we wait until zlib has consumed it.
      gz.write(buf.subarray(inputPos, end), () => {
        written = true;
        wake();
      });
      const sliceLength = end - inputPos;
      inputPos = end;
      while (!written && failure === undefined) {
        if (out.length === 0) await event();
        yield* drain(out, state);
        if (options.signal?.aborted) {
          state.aborted = true;
          return;
        }
      }
      yield* drain(out, state);
      if (failure !== undefined) break;
      // Aim for about one chunk of output per slice, at the ratio the last slice showed.
      const ratio = Math.max(1, (state.bytes - produced) / sliceLength);
      slice = Math.min(chunkBytes, Math.max(minSlice, Math.floor(chunkBytes / ratio)));
    }
    if (failure === undefined) {
      gz.end();
      while (!ended && failure === undefined) {
        if (out.length === 0) await event();
        yield* drain(out, state);
        if (options.signal?.aborted) {
          state.aborted = true;
          return;
        }
      }
      yield* drain(out, state);
    }
    if (failure !== undefined) {
      options.onIssue(gzipIssue(path, state, failure));
      return;
    }
    state.complete = true;
  } finally {
    gz.destroy();
  }
}

function* drain(out: Buffer[], state: ChunkReadState): Generator<Buffer, void, undefined> {
  while (out.length > 0) {
    const chunk = out.shift()!;
    state.bytes += chunk.length;
    yield chunk;
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function openIssue(path: string, error: unknown): Issue {
  const code = errorCode(error);
  const file = path;
  switch (code) {
    case 'ENOENT':
      return sourceIssue('file-vanished', 'error', 'the file disappeared before it could be read', { file });
    case 'EACCES':
    case 'EPERM':
      return sourceIssue('unreadable', 'error', 'permission denied', { file });
    case 'EISDIR':
      return sourceIssue('unreadable', 'error', 'is a directory, not a file', { file });
    case 'ELOOP':
      return sourceIssue('unreadable', 'error', 'too many levels of symbolic links', { file });
    default:
      return sourceIssue('unreadable', 'error', `cannot open: ${errorMessage(error)}`, { file });
  }
}

function readIssue(path: string, offset: number, error: unknown): Issue {
  return sourceIssue(
    'read-error',
    'error',
    `reading failed after ${offset} bytes: ${errorMessage(error)}; the rest of the file is skipped`,
    { file: path, offset },
  );
}

function gzipIssue(path: string, state: ChunkReadState, error: unknown): Issue {
  const code = errorCode(error);
  const what = code === 'Z_BUF_ERROR' ? 'gzip stream ends early (truncated file?)' : 'gzip stream is corrupt';
  return sourceIssue(
    'gzip-corrupt',
    'error',
    `${what} after ${state.bytes} decompressed bytes (${state.diskBytes} compressed bytes read): ` +
      `${errorMessage(error)}; the rest of the file is skipped`,
    { file: path, offset: state.bytes },
  );
}
