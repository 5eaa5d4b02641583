/**
 * The template cache shared across chunks (binxml.ts `TemplateCache`): a template found in it must render
 * exactly as parsing its definition again would, whatever was decoded before. Windows writes each name
 * once per chunk and refers to it by offset from later templates, so the same template in two chunks can
 * have the same bytes yet name different things, or different offsets for the same names.
 */
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../issues.js';
import { ChunkParser, TemplateCache } from './binxml.js';
import { decodeChunk } from './chunk.js';
import type { TNode, TRecord } from './testing.js';
import { buildChunk, el, record, resealChunk, sub, utf16, v } from './testing.js';

function decode(chunk: Uint8Array): { values: unknown[]; issues: Issue[] } {
  const values: unknown[] = [];
  const issues: Issue[] = [];
  decodeChunk(chunk, 0, chunk.length, { path: 'x.evtx', chunkNumber: 0, fileOffset: 4096 }, 'json', {
    record: (value) => values.push(value),
    issue: (issue) => issues.push(issue),
  });
  return { values, issues };
}

/** The position of `needle` in `bytes`, which must hold it exactly once. */
function position(bytes: Uint8Array, needle: Uint8Array): number {
  const found: number[] = [];
  for (let i = 0; i + needle.length <= bytes.length; i++) {
    if (needle.every((b, j) => bytes[i + j] === b)) found.push(i);
  }
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Swaps the (equally long) texts of names Alpha and Bravo where the chunk defines them. */
function swapNames(chunk: Uint8Array): Uint8Array {
  const swapped = Uint8Array.from(chunk);
  const alpha = position(swapped, utf16('Alpha'));
  const bravo = position(swapped, utf16('Bravo'));
  swapped.set(utf16('Bravo'), alpha);
  swapped.set(utf16('Alpha'), bravo);
  return resealChunk(swapped);
}

const guidOf = (n: number): Uint8Array => new Uint8Array(16).fill(n);

/** A first template that defines names Alpha and Bravo, and a second one that refers to them. */
function chunkWithSharedNames(firstGuid: number, secondGuid: number, second: TNode): Uint8Array {
  const records: TRecord[] = [
    record(
      1,
      el('Defines', [], [el('Alpha', [], [sub(0)]), el('Bravo', [], [sub(1)])]),
      [v.u8(1), v.u8(2)],
      guidOf(firstGuid),
    ),
    record(2, second, [v.str('x'), v.str('y')], guidOf(secondGuid)),
  ];
  return buildChunk(records, { shareNames: true });
}

describe('template cache across chunks', () => {
  it('reuses a template whose names live elsewhere in the chunk, and resolves them in each chunk', () => {
    const cache = new TemplateCache();
    const second = el('Uses', [], [el('Alpha', [], [sub(0)]), el('Bravo', [], [sub(1)])]);
    const first = chunkWithSharedNames(0x21, 0x22, second);
    // The same bytes, except that the defining template spells its names the other way round: the
    // second template's offsets are unchanged but now point at Bravo and Alpha.
    const swapped = swapNames(first);

    const templateOf = (chunk: Uint8Array, recordIndex: number): ReturnType<ChunkParser['template']> => {
      const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const parser = new ChunkParser(buf, new DataView(chunk.buffer), 0, 4096, chunk.length, cache);
      let template: ReturnType<ChunkParser['template']> | undefined;
      let pos = 512;
      for (let i = 0; i <= recordIndex; i++) {
        const offset = parser.dv.getUint32(pos + 24 + 4 + 6, true);
        template = parser.template(offset, pos, 0);
        pos += parser.dv.getUint32(pos + 4, true);
      }
      return template!;
    };
    const original = templateOf(first, 1);
    expect(templateOf(Uint8Array.from(first), 1)).toBe(original); // same names: a hit
    const other = templateOf(swapped, 1);
    expect(other).not.toBe(original); // same bytes, other names: parsed again
    expect((other.nodes[0] as { children: { name: string }[] }).children.map((c) => c.name)).toEqual([
      'Bravo',
      'Alpha',
    ]);
  });

  it('decodes a chunk the same whether its templates were cached from another chunk or not', () => {
    const second = el('Uses', [], [el('Bravo', [], [sub(0)]), el('Alpha', [], [sub(1)])]);
    const first = chunkWithSharedNames(0x31, 0x32, second);
    const swapped = swapNames(first);
    expect(decode(first).values[1]).toEqual({ Uses: { Bravo: 'x', Alpha: 'y' } });
    expect(decode(swapped)).toEqual({
      values: [{ Defines: { Bravo: 1, Alpha: 2 } }, { Uses: { Alpha: 'x', Bravo: 'y' } }],
      issues: [],
    });
  });

  it('does not serve a cached template when a name reference that was inline now points elsewhere', () => {
    const template = el('Event', [], [el('Damaged', [], [sub(0)])]);
    const good = buildChunk([record(1, template, [v.str('ok')], guidOf(0x41))]);
    expect(decode(good).values).toEqual([{ Event: { Damaged: 'ok' } }]);
    const damaged = Uint8Array.from(good);
    // The reference field sits 12 bytes before the name text: point it far outside the chunk.
    new DataView(damaged.buffer).setUint32(position(damaged, utf16('Damaged')) - 12, 0x00530000, true);
    const { values, issues } = decode(resealChunk(damaged));
    expect(values).toEqual([]);
    expect(issues.map((i) => i.message)).toEqual([
      'chunk 0: record 1: name offset 0x530000 is outside the chunk; record skipped',
    ]);
  });
});
