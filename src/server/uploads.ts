/**
 * Uploaded log files, streamed to a private temporary folder (never held in memory), for a hunt.
 *
 * Two ways in: `multipart/form-data` with one or more file parts (what a browser form sends), or
 * `application/octet-stream` with `?name=FILE` (one file per request, what curl and scripts find easiest).
 *
 * Names: the client's file name is never used as a path. A name that tries to leave the folder — a `/`
 * or `\`, a `.` or `..` name, control characters — is refused outright (`unsafe-filename`, and the
 * request is audited as denied); other names are kept for display and reduced to `[A-Za-z0-9._-]` for the
 * file written, prefixed with its position so two parts with the same name do not collide.
 *
 * Size: the request's total is capped (`upload-too-large`, 413): a Content-Length above the cap is refused
 * before reading; a body that grows past it (chunked, or lying) is cut off there and its files deleted.
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ApiError } from './errors.js';
import { MultipartError, boundaryOf, readMultipart } from './multipart.js';

export interface StagedFile {
  /** Name for people: as the client sent it (checked). */
  readonly name: string;
  /** Where it was written. */
  readonly path: string;
  readonly bytes: number;
}

export interface StagedUpload {
  /** The private folder holding the files; the caller removes it when done. */
  readonly dir: string;
  readonly files: readonly StagedFile[];
  readonly totalBytes: number;
}

export interface UploadLimits {
  readonly maxBytes: number;
  readonly maxFiles: number;
}

export type NameCheck =
  | { readonly ok: true; readonly stored: string }
  | { readonly ok: false; readonly reason: 'path-traversal' | 'control-characters' | 'empty' | 'too-long' };

/** Decides whether a client's file name is acceptable, and what to call the file on disk. */
export function checkUploadName(name: string, position: number): NameCheck {
  if (name.trim() === '') return { ok: false, reason: 'empty' };
  if (Buffer.byteLength(name, 'utf8') > 255) return { ok: false, reason: 'too-long' };
  if (/[/\\]/.test(name) || name === '.' || name === '..') return { ok: false, reason: 'path-traversal' };
  if (/[\u0000-\u001f\u007f]/.test(name)) return { ok: false, reason: 'control-characters' };
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return { ok: true, stored: `${String(position).padStart(3, '0')}-${safe}` };
}

/** Thrown for a refused name: the route audits it as a denied request. */
export class UnsafeNameError extends ApiError {
  constructor(
    readonly fileName: string,
    readonly reason: string,
  ) {
    super(
      400,
      'unsafe-filename',
      `the file name ${JSON.stringify(fileName.slice(0, 200))} is refused (${reason}): send a plain file name without folders`,
      { field: 'filename' },
    );
  }
}

/** Where the data of plain form fields goes: nowhere (only file parts are hunted). */
const DISCARD = { write: (): void => undefined, end: (): void => undefined };

export function tooLarge(maxBytes: number): ApiError {
  return new ApiError(
    413,
    'upload-too-large',
    `the upload is larger than this server accepts (${Math.round(maxBytes / 1048576)} MB); split it, or raise server.maxUploadMB`,
  );
}

/** Creates the folder for one upload, private to this user. */
export async function makeUploadDir(root: string): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  return mkdtemp(join(root, 'upload-'));
}

/** A file being written, with back-pressure and the request-wide byte budget. */
class FileWriter {
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  bytes = 0;

  constructor(
    readonly path: string,
    private readonly budget: { used: number; readonly max: number },
  ) {
    this.stream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.budget.used += chunk.length;
    if (this.budget.used > this.budget.max) throw tooLarge(this.budget.max);
    this.bytes += chunk.length;
    if (!this.stream.write(chunk))
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error): void => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          if (error !== undefined) reject(error);
          else resolve();
        };
        this.stream.once('drain', done);
        this.stream.once('error', done);
      });
  }

  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(this.failure);
        return;
      }
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/** Refuses early what the Content-Length already says is too big. */
export function checkDeclaredLength(header: string | undefined, maxBytes: number): void {
  if (header === undefined) return;
  const declared = Number(header);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
}

/**
 * Streams the request body into a new folder under `root`. On any failure the folder is removed and the
 * error (an `ApiError`) is thrown.
 */
export async function stageUpload(
  body: Readable,
  contentType: string | undefined,
  name: string | undefined,
  root: string,
  limits: UploadLimits,
): Promise<StagedUpload> {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const dir = await makeUploadDir(root);
  const budget = { used: 0, max: limits.maxBytes };
  const files: StagedFile[] = [];
  /** Files being written, destroyed if the upload fails half-way. */
  const open = new Set<FileWriter>();
  try {
    if (media === 'application/octet-stream') {
      if (name === undefined)
        throw new ApiError(
          400,
          'invalid-request',
          'query.name: give the file name (?name=FILE) with an octet-stream upload',
          {
            field: 'query.name',
          },
        );
      const check = checkUploadName(name, 1);
      if (!check.ok) throw new UnsafeNameError(name, check.reason);
      const writer = new FileWriter(join(dir, check.stored), budget);
      open.add(writer);
      for await (const chunk of body) await writer.write(chunk as Buffer);
      await writer.end();
      open.delete(writer);
      files.push({ name, path: writer.path, bytes: writer.bytes });
    } else if (media === 'multipart/form-data') {
      const boundary = boundaryOf(contentType);
      if (boundary === undefined)
        throw new ApiError(
          400,
          'invalid-multipart',
          'the multipart Content-Type has no usable boundary parameter',
        );
      let position = 0;
      await readMultipart(
        body,
        boundary,
        (part) => {
          if (part.filename === undefined) return DISCARD;
          if (files.length >= limits.maxFiles)
            throw new ApiError(413, 'too-many-files', `at most ${limits.maxFiles} files per upload`);
          const check = checkUploadName(part.filename, ++position);
          if (!check.ok) throw new UnsafeNameError(part.filename, check.reason);
          const writer = new FileWriter(join(dir, check.stored), budget);
          open.add(writer);
          return {
            write: (chunk) => writer.write(chunk),
            end: async () => {
              await writer.end();
              files.push({ name: part.filename!, path: writer.path, bytes: writer.bytes });
              open.delete(writer);
            },
          };
        },
        { maxParts: limits.maxFiles * 2 + 10, maxHeaderBytes: 16 * 1024 },
      );
    } else
      throw new ApiError(
        415,
        'unsupported-media-type',
        'upload files as multipart/form-data, or one file as application/octet-stream with ?name=FILE',
      );
    if (files.length === 0) throw new ApiError(400, 'no-files', 'the upload holds no file');
    return { dir, files, totalBytes: budget.used };
  } catch (error) {
    for (const writer of open) writer.destroy();
    await rm(dir, { recursive: true, force: true });
    if (error instanceof MultipartError) throw new ApiError(400, 'invalid-multipart', error.message);
    throw error;
  }
}
