/**
 * Test support for text sources: write a file, read it through the real source (framing in the reading
 * thread, then the batch decoder), and get back the events with their positions and every issue.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Issue } from '../../issues.js';
import { decodeBatch } from '../decode-batch.js';
import { openSource } from '../registry.js';
import { collectingOptions, issueKeys } from '../testing.js';
import type { SourceOptions, TextLinesBatch } from '../types.js';

export interface DecodedEvent {
  readonly line: number;
  readonly record: number;
  readonly offset: number;
  readonly eventClass: string | undefined;
  readonly value: Record<string, unknown>;
}

export interface ReadResult {
  readonly events: DecodedEvent[];
  /** Issues from reading and from decoding, in that order of discovery. */
  readonly issues: Issue[];
  readonly keys: string[];
  readonly batches: TextLinesBatch[];
  readonly formats: string[];
}

/** A temp folder for a test file's fixtures; `cleanup` removes it. */
export async function fixtureDir(prefix: string): Promise<{
  path: (name: string) => string;
  write: (name: string, content: string | Uint8Array, mtime?: Date) => Promise<string>;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    path: (name) => join(dir, name),
    async write(name, content, mtime) {
      const file = join(dir, name);
      await writeFile(file, content);
      if (mtime !== undefined) await utimes(file, mtime, mtime);
      return file;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Reads `path` (format detected, or `format`) and decodes every batch. */
export async function readEvents(
  path: string,
  format?: string,
  overrides: Partial<SourceOptions> = {},
): Promise<ReadResult> {
  const { options, issues } = collectingOptions(overrides);
  const events: DecodedEvent[] = [];
  const batches: TextLinesBatch[] = [];
  const formats = new Set<string>();
  for await (const batch of openSource(path, options, format)) {
    formats.add(batch.format);
    if (batch.kind === 'text-lines') batches.push(batch);
    decodeBatch(batch, {
      event: (value, line, record, offset, eventClass) =>
        events.push({ line, record, offset, eventClass, value }),
      skipped: (issue) => issues.push(issue),
      warning: (issue) => issues.push(issue),
    });
  }
  return { events, issues, keys: issueKeys(issues), batches, formats: [...formats] };
}
