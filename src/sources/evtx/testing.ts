/**
 * Test support: writes small, valid EVTX files (file header, chunks with correct CRCs, records whose BinXml
 * is a template instance with an inline template definition), so tests can exercise every value type and
 * then damage the bytes on purpose. Not used by the decoder.
 *
 * @example
 *   const file = buildEvtx([[record(1, el('Event', [], [el('EventID', [], [sub(0)])]), [u16(4624)])]]);
 */
import { chunkHeaderCrc, crc32 } from './format.js';
import { VT } from './values.js';

export type TNode =
  | {
      readonly t: 'el';
      readonly name: string;
      readonly attrs: readonly TAttr[];
      readonly children: readonly TNode[];
    }
  | { readonly t: 'text'; readonly text: string }
  | { readonly t: 'sub'; readonly index: number; readonly optional: boolean }
  | { readonly t: 'charref'; readonly code: number }
  | { readonly t: 'entity'; readonly name: string }
  | { readonly t: 'cdata'; readonly text: string }
  | { readonly t: 'pi'; readonly target: string; readonly data: string };
export interface TAttr {
  readonly name: string;
  readonly value: readonly TNode[];
}
export interface TValue {
  readonly type: number;
  readonly bytes: Uint8Array;
}
export interface TRecord {
  readonly id: number;
  readonly template: TNode;
  readonly values: readonly TValue[];
  /** GUID of the template (16 bytes); records with the same GUID and template share it across chunks. */
  readonly guid?: Uint8Array;
}

export const el = (name: string, attrs: readonly TAttr[] = [], children: readonly TNode[] = []): TNode => ({
  t: 'el',
  name,
  attrs,
  children,
});
export const attr = (name: string, ...value: TNode[]): TAttr => ({ name, value });
export const text = (value: string): TNode => ({ t: 'text', text: value });
export const sub = (index: number, optional = false): TNode => ({ t: 'sub', index, optional });
export const record = (id: number, template: TNode, values: readonly TValue[], guid?: Uint8Array): TRecord =>
  guid === undefined ? { id, template, values } : { id, template, values, guid };

function le(n: number, width: number): Uint8Array {
  const out = new Uint8Array(width);
  const dv = new DataView(out.buffer);
  if (width === 1) dv.setUint8(0, n);
  else if (width === 2) dv.setUint16(0, n, true);
  else if (width === 4) dv.setUint32(0, n >>> 0, true);
  else dv.setBigUint64(0, BigInt(n), true);
  return out;
}

export const utf16 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf16le'));
export const v = {
  str: (s: string): TValue => ({ type: VT.String, bytes: utf16(s) }),
  ansi: (s: string): TValue => ({ type: VT.AnsiString, bytes: new Uint8Array(Buffer.from(s, 'latin1')) }),
  u8: (n: number): TValue => ({ type: VT.UInt8, bytes: le(n, 1) }),
  i8: (n: number): TValue => ({ type: VT.Int8, bytes: le(n & 0xff, 1) }),
  u16: (n: number): TValue => ({ type: VT.UInt16, bytes: le(n, 2) }),
  i16: (n: number): TValue => ({ type: VT.Int16, bytes: le(n & 0xffff, 2) }),
  u32: (n: number): TValue => ({ type: VT.UInt32, bytes: le(n, 4) }),
  i32: (n: number): TValue => ({ type: VT.Int32, bytes: le(n, 4) }),
  u64: (n: bigint): TValue => ({ type: VT.UInt64, bytes: bigLe(n) }),
  i64: (n: bigint): TValue => ({ type: VT.Int64, bytes: bigLe(BigInt.asUintN(64, n)) }),
  hex32: (n: number): TValue => ({ type: VT.HexInt32, bytes: le(n, 4) }),
  hex64: (n: bigint): TValue => ({ type: VT.HexInt64, bytes: bigLe(n) }),
  f32: (n: number): TValue => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, n, true);
    return { type: VT.Real32, bytes: b };
  },
  f64: (n: number): TValue => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, n, true);
    return { type: VT.Real64, bytes: b };
  },
  bool: (b: boolean): TValue => ({ type: VT.Bool, bytes: le(b ? 1 : 0, 4) }),
  binary: (bytes: number[]): TValue => ({ type: VT.Binary, bytes: Uint8Array.from(bytes) }),
  guid: (bytes: number[]): TValue => ({ type: VT.Guid, bytes: Uint8Array.from(bytes) }),
  sizeT: (n: number): TValue => ({ type: VT.SizeT, bytes: le(n, 8) }),
  filetime: (ticks: bigint): TValue => ({ type: VT.FileTime, bytes: bigLe(ticks) }),
  systime: (fields: number[]): TValue => ({
    type: VT.SysTime,
    bytes: Uint8Array.from(fields.flatMap((f) => [...le(f, 2)])),
  }),
  sid: (revision: number, authority: number, subs: number[]): TValue => {
    const b = new Uint8Array(8 + subs.length * 4);
    const dv = new DataView(b.buffer);
    b[0] = revision;
    b[1] = subs.length;
    dv.setUint16(2, Math.floor(authority / 2 ** 32));
    dv.setUint32(4, authority % 2 ** 32);
    subs.forEach((s, i) => dv.setUint32(8 + i * 4, s, true));
    return { type: VT.Sid, bytes: b };
  },
  strings: (items: string[]): TValue => ({
    type: VT.String | VT.ArrayFlag,
    bytes: utf16(items.map((s) => `${s}\0`).join('')),
  }),
  u16s: (items: number[]): TValue => ({
    type: VT.UInt16 | VT.ArrayFlag,
    bytes: Uint8Array.from(items.flatMap((n) => [...le(n, 2)])),
  }),
  null: (): TValue => ({ type: VT.Null, bytes: new Uint8Array(0) }),
  raw: (type: number, bytes: number[]): TValue => ({ type, bytes: Uint8Array.from(bytes) }),
};

function bigLe(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

export interface ChunkOptions {
  /**
   * Write each name once per chunk and refer to it by offset afterwards (as Windows does), instead of
   * inline at every use.
   */
  readonly shareNames?: boolean;
}

/** Writes into one 64 KiB chunk; positions are chunk-relative, as BinXml offsets are. */
class ChunkWriter {
  readonly bytes = new Uint8Array(0x10000);
  readonly dv = new DataView(this.bytes.buffer);
  pos = 512;
  private readonly names = new Map<string, number>();

  constructor(private readonly options: ChunkOptions = {}) {}

  u8(n: number): void {
    this.bytes[this.pos++] = n;
  }
  u16(n: number): void {
    this.dv.setUint16(this.pos, n, true);
    this.pos += 2;
  }
  u32(n: number): void {
    this.dv.setUint32(this.pos, n >>> 0, true);
    this.pos += 4;
  }
  put(b: Uint8Array): void {
    this.bytes.set(b, this.pos);
    this.pos += b.length;
  }
  /** A name reference: the name inline right after it, or (shared names) the offset of its first copy. */
  name(s: string): void {
    const known = this.options.shareNames ? this.names.get(s) : undefined;
    if (known !== undefined) {
      this.u32(known);
      return;
    }
    this.names.set(s, this.pos + 4);
    this.u32(this.pos + 4);
    this.u32(0);
    this.u16(0);
    this.u16(s.length);
    this.put(utf16(s));
    this.u16(0);
  }
  counted(s: string): void {
    this.u16(s.length);
    this.put(utf16(s));
  }

  node(n: TNode): void {
    switch (n.t) {
      case 'el': {
        this.u8(n.attrs.length > 0 ? 0x41 : 0x01);
        this.u16(0xffff);
        const sizeAt = this.pos;
        this.u32(0);
        this.name(n.name);
        const start = this.pos;
        if (n.attrs.length > 0) {
          const listAt = this.pos;
          this.u32(0);
          n.attrs.forEach((a, i) => {
            this.u8(i < n.attrs.length - 1 ? 0x46 : 0x06);
            this.name(a.name);
            for (const part of a.value) this.node(part);
          });
          this.dv.setUint32(listAt, this.pos - listAt - 4, true);
        }
        if (n.children.length === 0) this.u8(0x03);
        else {
          this.u8(0x02);
          for (const child of n.children) this.node(child);
          this.u8(0x04);
        }
        this.dv.setUint32(sizeAt, this.pos - start, true);
        return;
      }
      case 'text':
        this.u8(0x05);
        this.u8(VT.String);
        this.counted(n.text);
        return;
      case 'sub':
        this.u8(n.optional ? 0x0e : 0x0d);
        this.u16(n.index);
        this.u8(VT.String);
        return;
      case 'charref':
        this.u8(0x08);
        this.u16(n.code);
        return;
      case 'entity':
        this.u8(0x09);
        this.name(n.name);
        return;
      case 'cdata':
        this.u8(0x07);
        this.counted(n.text);
        return;
      case 'pi':
        this.u8(0x0a);
        this.name(n.target);
        this.u8(0x0b);
        this.counted(n.data);
        return;
    }
  }

  record(r: TRecord, defined: Map<string, number>): void {
    const start = this.pos;
    this.put(Uint8Array.from([0x2a, 0x2a, 0, 0]));
    const sizeAt = this.pos;
    this.u32(0);
    this.put(bigLe(BigInt(r.id)));
    this.put(bigLe(132000000000000000n));
    this.put(Uint8Array.from([0x0f, 1, 1, 0]));
    this.u8(0x0c);
    this.u8(1);
    this.u32(0);
    const guid = r.guid ?? new Uint8Array(16).fill(0x11);
    const key = Buffer.from(guid).toString('hex') + JSON.stringify(r.template);
    const known = defined.get(key);
    if (known !== undefined) this.u32(known);
    else {
      const defAt = this.pos + 4;
      defined.set(key, defAt);
      this.u32(defAt);
      this.u32(0);
      this.put(guid);
      const dataSizeAt = this.pos;
      this.u32(0);
      const dataStart = this.pos;
      this.put(Uint8Array.from([0x0f, 1, 1, 0]));
      this.node(r.template);
      this.u8(0x00);
      this.dv.setUint32(dataSizeAt, this.pos - dataStart, true);
    }
    this.u32(r.values.length);
    for (const value of r.values) {
      this.u16(value.bytes.length);
      this.u8(value.type);
      this.u8(0);
    }
    for (const value of r.values) this.put(value.bytes);
    this.u8(0x00);
    this.pos += (8 - ((this.pos - start + 4) % 8)) % 8;
    this.u32(this.pos - start + 4);
    this.dv.setUint32(sizeAt, this.pos - start, true);
  }

  finish(records: readonly TRecord[]): Uint8Array {
    const b = this.bytes;
    b.set(Buffer.from('ElfChnk\0', 'latin1'), 0);
    const first = records[0]?.id ?? 1;
    const last = records[records.length - 1]?.id ?? 0;
    this.dv.setBigUint64(8, BigInt(first), true);
    this.dv.setBigUint64(16, BigInt(last), true);
    this.dv.setBigUint64(24, BigInt(first), true);
    this.dv.setBigUint64(32, BigInt(last), true);
    this.dv.setUint32(40, 128, true);
    this.dv.setUint32(48, this.pos, true);
    this.dv.setUint32(52, crc32(b.subarray(512, this.pos)), true);
    this.dv.setUint32(124, chunkHeaderCrc(b, 0), true);
    return b;
  }
}

/** One chunk holding `records` (templates defined inline at first use, referenced after). */
export function buildChunk(records: readonly TRecord[], options: ChunkOptions = {}): Uint8Array {
  const writer = new ChunkWriter(options);
  const defined = new Map<string, number>();
  for (const r of records) writer.record(r, defined);
  return writer.finish(records);
}

/** Recomputes a chunk's checksums after a test edited its bytes (so that only the edit is seen). */
export function resealChunk(chunk: Uint8Array): Uint8Array {
  const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  dv.setUint32(52, crc32(chunk.subarray(512, dv.getUint32(48, true))), true);
  dv.setUint32(124, chunkHeaderCrc(chunk, 0), true);
  return chunk;
}

/** A whole EVTX file: header (with correct CRC) and one chunk per element of `chunks`. */
export function buildEvtx(
  chunks: readonly (readonly TRecord[])[],
  options: { dirty?: boolean } & ChunkOptions = {},
): Uint8Array {
  const file = new Uint8Array(4096 + chunks.length * 0x10000);
  const dv = new DataView(file.buffer);
  file.set(Buffer.from('ElfFile\0', 'latin1'), 0);
  dv.setBigUint64(16, BigInt(Math.max(0, chunks.length - 1)), true);
  dv.setUint32(32, 128, true);
  dv.setUint16(36, 1, true);
  dv.setUint16(38, 3, true);
  dv.setUint16(40, 4096, true);
  dv.setUint16(42, chunks.length, true);
  dv.setUint32(120, options.dirty ? 1 : 0, true);
  dv.setUint32(124, crc32(file.subarray(0, 120)), true);
  chunks.forEach((records, i) => file.set(buildChunk(records, options), 4096 + i * 0x10000));
  return file;
}
