/**
 * Framing (read-evtx.ts): every non-empty 64 KiB block becomes a chunk of some batch, with its file offset
 * and number, byte for byte as in the file, in a buffer of its own (transferable to a worker), whether the
 * block came with empty blocks around it (copied out of a reused read buffer) or not (handed over).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Issue } from '../../issues.js';
import { DEFAULT_SOURCE_OPTIONS } from '../types.js';
import type { EvtxChunkBatch } from '../types.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from './format.js';
import type { EvtxReadSummary } from './read-evtx.js';
import { readEvtxFile } from './read-evtx.js';
import { buildEvtx, el, record, sub, v } from './testing.js';

const tmp = mkdtempSync(join(tmpdir(), 'evtx-read-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A file of `layout.length` chunks: `true` a chunk of records, `false` a pre-allocated (zero) block. */
function fileWith(layout: readonly boolean[], name: string): { path: string; bytes: Uint8Array } {
  const chunks = layout.map((used, i) =>
    used ? [record(i + 1, el('Event', [], [el('N', [], [sub(0)])]), [v.u32(i)])] : [],
  );
  const bytes = buildEvtx(chunks);
  layout.forEach((used, i) => {
    if (!used) bytes.fill(0, FILE_HEADER_SIZE + i * CHUNK_SIZE, FILE_HEADER_SIZE + (i + 1) * CHUNK_SIZE);
  });
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

async function read(
  path: string,
  batchBytes: number,
): Promise<{ batches: EvtxChunkBatch[]; issues: Issue[]; summary: EvtxReadSummary }> {
  const issues: Issue[] = [];
  const summary: EvtxReadSummary = { chunks: 0, emptyChunks: 0, headerChunkCount: 0, opened: false };
  const batches: EvtxChunkBatch[] = [];
  const options = { ...DEFAULT_SOURCE_OPTIONS, batchBytes, onIssue: (i: Issue) => issues.push(i) };
  for await (const batch of readEvtxFile(path, options, summary)) batches.push(batch);
  return { batches, issues, summary };
}

/** Every chunk of the batches: its number, file offset and bytes, checked against the file. */
function chunksOf(batches: readonly EvtxChunkBatch[], file: Uint8Array): number[] {
  const numbers: number[] = [];
  for (const batch of batches) {
    expect(batch.bytes.byteOffset).toBe(0);
    expect(batch.bytes.buffer.byteLength).toBe(batch.bytes.length);
    for (let i = 0; i < batch.chunkStarts.length; i++) {
      const start = batch.chunkStarts[i]!;
      const offset = batch.chunkOffsets[i]!;
      const length = batch.chunkLengths[i]!;
      expect(batch.chunkNumbers[i]).toBe((offset - FILE_HEADER_SIZE) / CHUNK_SIZE);
      const same = Buffer.from(batch.bytes.subarray(start, start + length)).equals(
        file.subarray(offset, offset + length),
      );
      expect(same, `chunk ${batch.chunkNumbers[i]} differs from the file`).toBe(true);
      numbers.push(batch.chunkNumbers[i]!);
    }
  }
  return numbers;
}

describe('EVTX framing', () => {
  const layout = [true, false, true, true, false, false, true, true, true, true, false, true];

  it('hands on the non-empty chunks, whatever the batch size, with their offsets and numbers', async () => {
    const { path, bytes } = fileWith(layout, 'sparse.evtx');
    const expected = layout.flatMap((used, i) => (used ? [i] : []));
    for (const batchBytes of [CHUNK_SIZE, 2 * CHUNK_SIZE, 4 * CHUNK_SIZE, 64 * CHUNK_SIZE]) {
      const { batches, issues, summary } = await read(path, batchBytes);
      expect(issues).toEqual([]);
      expect(chunksOf(batches, bytes)).toEqual(expected);
      expect(summary).toMatchObject({
        chunks: expected.length,
        emptyChunks: layout.length - expected.length,
      });
    }
  });

  it('keeps a file that ends inside a chunk, and never hands on bytes of a previous file', async () => {
    const dense = fileWith([true, true, true, true], 'dense.evtx');
    await read(dense.path, 4 * CHUNK_SIZE); // leaves its read buffers for reuse
    const { bytes } = fileWith(layout, 'cut.evtx');
    const cut = bytes.subarray(0, bytes.length - CHUNK_SIZE + 3000);
    const path = join(tmp, 'cut.evtx');
    writeFileSync(path, cut);
    const { batches, issues } = await read(path, 4 * CHUNK_SIZE);
    expect(issues).toEqual([]);
    expect(chunksOf(batches, cut)).toEqual([0, 2, 3, 6, 7, 8, 9, 11]);
    const last = batches[batches.length - 1]!;
    expect(last.chunkLengths[last.chunkLengths.length - 1]).toBe(3000);
  });
});
