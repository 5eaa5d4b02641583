import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Issue } from '../issues.js';
import type { ChunkReadState } from './file-chunks.js';
import { newChunkReadState, readFileChunks } from './file-chunks.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bg-chunks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(
  path: string,
  extra: { chunkBytes?: number; signal?: AbortSignal; stopAfter?: number } = {},
): Promise<{ data: Buffer; sizes: number[]; issues: Issue[]; state: ChunkReadState; progress: number[] }> {
  const issues: Issue[] = [];
  const progress: number[] = [];
  const state = newChunkReadState();
  const parts: Buffer[] = [];
  const sizes: number[] = [];
  const options = {
    onIssue: (issue: Issue) => issues.push(issue),
    onProgress: (n: number) => progress.push(n),
    ...(extra.chunkBytes !== undefined ? { chunkBytes: extra.chunkBytes } : {}),
    ...(extra.signal !== undefined ? { signal: extra.signal } : {}),
  };
  for await (const chunk of readFileChunks(path, options, state)) {
    parts.push(Buffer.from(chunk));
    sizes.push(chunk.length);
    if (extra.stopAfter !== undefined && parts.length >= extra.stopAfter) break;
  }
  return { data: Buffer.concat(parts), sizes, issues, state, progress };
}

const lines = (n: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => `{"n":${i},"pad":"${'p'.repeat(i % 50)}"}\n`).join(''));

describe('readFileChunks', () => {
  test('plain file: chunks of chunkBytes that add up to the file, progress as a running total', async () => {
    const content = lines(1000);
    const path = join(dir, 'plain.ndjson');
    await writeFile(path, content);
    const r = await readAll(path, { chunkBytes: 4096 });
    expect(r.data.equals(content)).toBe(true);
    expect(r.issues).toEqual([]);
    expect(r.state).toMatchObject({
      gzip: false,
      complete: true,
      diskBytes: content.length,
      bytes: content.length,
    });
    expect(r.sizes.slice(0, -1).every((s) => s === 4096)).toBe(true);
    expect(r.progress.at(-1)).toBe(content.length);
    expect(r.progress).toEqual([...r.progress].sort((a, b) => a - b));
  });

  test('gzip is recognised by its magic bytes, whatever the name, and inflated', async () => {
    const content = lines(5000);
    const path = join(dir, 'compressed.txt');
    const gz = gzipSync(content);
    await writeFile(path, gz);
    const r = await readAll(path, { chunkBytes: 8192 });
    expect(r.data.equals(content)).toBe(true);
    expect(r.issues).toEqual([]);
    expect(r.state).toMatchObject({
      gzip: true,
      complete: true,
      diskBytes: gz.length,
      bytes: content.length,
    });
    expect(r.progress.at(-1)).toBe(gz.length);
  });

  test('a gzip bomb is inflated in bounded steps (no chunk above the zlib chunk size)', async () => {
    const inflated = 16 * 1024 * 1024;
    const path = join(dir, 'bomb.gz');
    await writeFile(path, gzipSync(Buffer.alloc(inflated, 0x20)));
    const r = await readAll(path, { chunkBytes: 1024 * 1024 });
    expect(r.state.bytes).toBe(inflated);
    expect(r.state.complete).toBe(true);
    expect(Math.max(...r.sizes)).toBeLessThanOrEqual(64 * 1024);
  });

  test('truncated gzip: what was inflated is delivered, then gzip-corrupt naming the offset reached', async () => {
    const content = lines(20000);
    const gz = gzipSync(content);
    const path = join(dir, 'truncated.gz');
    await writeFile(path, gz.subarray(0, Math.floor(gz.length / 2)));
    const r = await readAll(path);
    expect(r.issues.map((i) => i.code)).toEqual(['gzip-corrupt']);
    const issue = r.issues[0]!;
    expect(issue.location).toEqual({ file: path, offset: r.data.length });
    expect(issue.message).toContain('ends early');
    expect(r.state.complete).toBe(false);
    // Everything delivered is a true prefix of the content, and most of the first half got through.
    expect(content.subarray(0, r.data.length).equals(r.data)).toBe(true);
    expect(r.data.length).toBeGreaterThan(content.length / 4);
  });

  test('trailing garbage after a gzip member is reported, not silently ignored', async () => {
    const content = lines(100);
    const path = join(dir, 'trailing.gz');
    await writeFile(path, Buffer.concat([gzipSync(content), Buffer.from('not gzip at all')]));
    const r = await readAll(path);
    expect(r.issues.map((i) => i.code)).toEqual(['gzip-corrupt']);
    expect(content.subarray(0, r.data.length).equals(r.data)).toBe(true);
  });

  test('a missing file is file-vanished, a directory is unreadable; neither throws', async () => {
    const gone = await readAll(join(dir, 'never-there.json'));
    expect(gone.issues.map((i) => [i.code, i.location.file])).toEqual([
      ['file-vanished', join(dir, 'never-there.json')],
    ]);
    expect(gone.state.complete).toBe(false);
    const folder = await readAll(dir);
    expect(folder.issues.map((i) => i.code)).toEqual(['unreadable']);
    expect(folder.issues[0]!.message).toContain('directory');
  });

  test('an empty file completes with no chunks', async () => {
    const path = join(dir, 'empty');
    await writeFile(path, '');
    const r = await readAll(path);
    expect(r.sizes).toEqual([]);
    expect(r.issues).toEqual([]);
    expect(r.state.complete).toBe(true);
  });

  test('an aborted read stops between chunks, without issues', async () => {
    const content = lines(2000);
    const path = join(dir, 'abort.ndjson');
    await writeFile(path, content);
    const controller = new AbortController();
    const issues: Issue[] = [];
    const state = newChunkReadState();
    let chunks = 0;
    for await (const chunk of readFileChunks(
      path,
      { chunkBytes: 1024, onIssue: (i) => issues.push(i), signal: controller.signal },
      state,
    )) {
      expect(chunk.length).toBeGreaterThan(0);
      chunks++;
      if (chunks === 3) controller.abort();
    }
    expect(chunks).toBe(3);
    expect(state).toMatchObject({ aborted: true, complete: false });
    expect(issues).toEqual([]);
  });
});
