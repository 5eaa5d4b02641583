/**
 * Expands the paths given to `hunt` into the files to read: files as given, folders recursively, in a
 * deterministic order (arguments in the order given; folder entries sorted by name, by UTF-16 code unit,
 * whatever the locale). Symlinks are followed, but a folder is never entered twice, so symlink loops end.
 * Problems are issues, never exceptions: `not-found`, `unreadable`, `not-a-regular-file`,
 * `symlink-loop`, `duplicate-path`.
 *
 * A file can still disappear after it was listed; the reader reports that (`file-vanished`).
 */
import type { BigIntStats, Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Issue } from '../issues.js';
import { sourceIssue } from './issue-codes.js';

export interface DiscoveredFile {
  /** The path as given, or joined onto the folder given (not resolved). */
  readonly path: string;
  /** Size in bytes (0 for a FIFO or device named explicitly). */
  readonly size: number;
  /** Named on the command line (true) or found inside a folder (false). */
  readonly explicit: boolean;
}

export interface DiscoverOptions {
  readonly signal?: AbortSignal;
}

/** The files under `paths`, as paths. See `discoverFileEntries` for sizes. */
export async function* discoverFiles(
  paths: readonly string[],
  onIssue: (issue: Issue) => void,
  options: DiscoverOptions = {},
): AsyncGenerator<string, void, undefined> {
  for await (const file of discoverFileEntries(paths, onIssue, options)) yield file.path;
}

/** The files under `paths`, with their size and whether they were named explicitly. */
export async function* discoverFileEntries(
  paths: readonly string[],
  onIssue: (issue: Issue) => void,
  options: DiscoverOptions = {},
): AsyncGenerator<DiscoveredFile, void, undefined> {
  const walker = new Walker(onIssue, options.signal);
  for (const path of paths) {
    if (options.signal?.aborted) return;
    yield* walker.top(path);
  }
}

class Walker {
  /** Folders and files already reached, by device and inode. */
  private readonly seen = new Set<string>();
  /** Folders being walked (the current chain), to tell a loop from a second route to the same folder. */
  private readonly ancestors = new Set<string>();

  constructor(
    private readonly onIssue: (issue: Issue) => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async *top(path: string): AsyncGenerator<DiscoveredFile, void, undefined> {
    const info = await this.stat(path, true);
    if (info === undefined) return;
    if (info.isDirectory()) {
      yield* this.folder(path, info);
      return;
    }
    // Explicit FIFOs and devices are allowed: `hunt <(zcat logs.gz)` names a pipe.
    if (this.firstVisit(path, info, false)) {
      yield { path, size: info.isFile() ? Number(info.size) : 0, explicit: true };
    }
  }

  private async *folder(path: string, info: BigIntStats): AsyncGenerator<DiscoveredFile, void, undefined> {
    const key = identity(info);
    if (this.ancestors.has(key)) {
      this.onIssue(
        sourceIssue(
          'symlink-loop',
          'warning',
          'a symlink leads back to a folder being walked; not followed',
          {
            file: path,
          },
        ),
      );
      return;
    }
    if (!this.firstVisit(path, info, true)) return;
    let entries: Dirent[];
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error) {
      this.onIssue(
        sourceIssue('unreadable', 'error', `cannot list the folder: ${describe(error)}`, { file: path }),
      );
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.ancestors.add(key);
    try {
      for (const entry of entries) {
        if (this.signal?.aborted) return;
        const child = join(path, entry.name);
        if (!entry.isDirectory() && !entry.isFile() && !entry.isSymbolicLink()) {
          this.notRegular(child);
          continue;
        }
        const childInfo = await this.stat(child, false);
        if (childInfo === undefined) continue;
        if (childInfo.isDirectory()) yield* this.folder(child, childInfo);
        else if (!childInfo.isFile()) this.notRegular(child);
        else if (this.firstVisit(child, childInfo, false)) {
          yield { path: child, size: Number(childInfo.size), explicit: false };
        }
      }
    } finally {
      this.ancestors.delete(key);
    }
  }

  private notRegular(path: string): void {
    this.onIssue(
      sourceIssue('not-a-regular-file', 'warning', 'not a regular file (FIFO, socket or device); skipped', {
        file: path,
      }),
    );
  }

  /** Records the visit; false (with a warning) when the same file or folder was reached before. */
  private firstVisit(path: string, info: BigIntStats, folder: boolean): boolean {
    const key = identity(info);
    if (this.seen.has(key)) {
      const what = folder ? 'folder' : 'file';
      this.onIssue(
        sourceIssue(
          'duplicate-path',
          'warning',
          `the same ${what} was already reached by another path; read once`,
          {
            file: path,
          },
        ),
      );
      return false;
    }
    this.seen.add(key);
    return true;
  }

  /** Stats (following symlinks); undefined after reporting why it failed. */
  private async stat(path: string, explicit: boolean): Promise<BigIntStats | undefined> {
    try {
      return await stat(path, { bigint: true });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        // Inside a folder, an entry that stat cannot find is a dangling symlink (or was just deleted).
        const message = explicit
          ? 'no such file or folder'
          : 'dangling symlink or deleted while listing; skipped';
        this.onIssue(sourceIssue('not-found', explicit ? 'error' : 'warning', message, { file: path }));
      } else if (code === 'ELOOP') {
        this.onIssue(
          sourceIssue('symlink-loop', 'warning', 'too many levels of symbolic links; skipped', {
            file: path,
          }),
        );
      } else {
        this.onIssue(sourceIssue('unreadable', 'error', describe(error), { file: path }));
      }
      return undefined;
    }
  }
}

function identity(info: BigIntStats): string {
  return `${info.dev}:${info.ino}`;
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
