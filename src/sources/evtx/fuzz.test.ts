/**
 * Fuzzing the EVTX decoder with seeded mutations of a valid file (byte flips, overwritten words, chunk
 * truncation, bytes copied from elsewhere in the chunk): it must never throw, never hang, and report what
 * it skips. The seed of a failing case is in the test name, so it reproduces.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../../../test/helpers/prng.js';
import type { Issue } from '../../issues.js';
import { decodeChunk } from './chunk.js';
import type { EvtxOutput } from './chunk.js';
import { attr, buildChunk, el, record, sub, text, v } from './testing.js';

const template = el(
  'Event',
  [attr('xmlns', text('http://schemas.microsoft.com/win/2004/08/events/event'))],
  [
    el(
      'System',
      [],
      [
        el('Provider', [attr('Name', sub(0)), attr('Guid', sub(1))]),
        el('EventID', [attr('Qualifiers', sub(2, true))], [sub(3)]),
        el('TimeCreated', [attr('SystemTime', sub(4))]),
        el('EventRecordID', [], [sub(5)]),
        el('Security', [attr('UserID', sub(6, true))]),
      ],
    ),
    el(
      'EventData',
      [],
      [
        el('Data', [attr('Name', text('CommandLine'))], [sub(7)]),
        el('Data', [attr('Name', text('Hashes'))], [sub(8)]),
        el('Data', [attr('Name', text('Flags'))], [sub(9)]),
      ],
    ),
  ],
);

function records(n: number): ReturnType<typeof record>[] {
  const out = [];
  for (let i = 1; i <= n; i++) {
    out.push(
      record(i, template, [
        v.str('Microsoft-Windows-Sysmon'),
        v.guid([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
        v.null(),
        v.u16(1),
        v.filetime(132000000000000000n + BigInt(i)),
        v.u64(BigInt(i)),
        v.sid(1, 5, [18]),
        v.str(`cmd.exe /c echo ${i}`),
        v.strings(['SHA1=00', 'MD5=11']),
        v.hex32(i),
      ]),
    );
  }
  return out;
}

const base = buildChunk(records(40));
const CASES = 300;

function run(bytes: Uint8Array, length: number, output: EvtxOutput): { records: number; issues: Issue[] } {
  const issues: Issue[] = [];
  let count = 0;
  decodeChunk(bytes, 0, length, { path: 'fuzz.evtx', chunkNumber: 0, fileOffset: 4096 }, output, {
    record: () => count++,
    issue: (issue) => issues.push(issue),
  });
  return { records: count, issues };
}

describe('EVTX decoder under mutation', () => {
  it('decodes the unmutated chunk cleanly', () => {
    expect(run(base, base.length, 'json')).toEqual({ records: 40, issues: [] });
  });

  it(`survives ${CASES} seeded mutations without throwing`, () => {
    let skipped = 0;
    let delivered = 0;
    for (let seed = 1; seed <= CASES; seed++) {
      const random = prng(seed);
      const bytes = Uint8Array.from(base);
      const used = new DataView(bytes.buffer).getUint32(48, true);
      const mutations = 1 + Math.floor(random() * 8);
      for (let m = 0; m < mutations; m++) {
        const at = Math.floor(random() * used);
        const kind = random();
        if (kind < 0.5) bytes[at] = Math.floor(random() * 256);
        else if (kind < 0.8)
          new DataView(bytes.buffer).setUint32(Math.min(at, used - 4), Math.floor(random() * 2 ** 32), true);
        else {
          const from = Math.floor(random() * used);
          bytes.copyWithin(at, from, from + 1 + Math.floor(random() * 64));
        }
      }
      const length = random() < 0.2 ? Math.floor(random() * bytes.length) : bytes.length;
      const output: EvtxOutput = seed % 3 === 0 ? 'xml' : 'json';
      let result: { records: number; issues: Issue[] } | undefined;
      expect(() => {
        result = run(bytes, length, output);
      }, `seed ${seed}`).not.toThrow();
      delivered += result!.records;
      skipped += result!.issues.filter(
        (i) => i.code === 'evtx-bad-record' || i.code === 'evtx-bad-chunk',
      ).length;
      for (const issue of result!.issues) {
        expect(issue.location.file, `seed ${seed}`).toBe('fuzz.evtx');
        expect(issue.location.offset, `seed ${seed}`).toBeGreaterThanOrEqual(4096);
      }
    }
    // Mutations must have been noticed, and much of the data still read.
    expect(skipped).toBeGreaterThan(0);
    expect(delivered).toBeGreaterThan(CASES * 10);
  });
});
