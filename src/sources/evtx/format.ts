/**
 * The EVTX container: a 4 KiB file header, then 64 KiB chunks, each with a 512-byte header (with CRC32s of
 * the header and of the record area) and records (`**\0\0`, size, record id, written time, BinXml body,
 * size again). Layout from libyal's "Windows XML Event Log (EVTX) format" document.
 */
import * as zlib from 'node:zlib';
import { CHUNK_SIZE } from './binxml.js';

export const FILE_HEADER_SIZE = 4096;
export const CHUNK_HEADER_SIZE = 512;
export { CHUNK_SIZE };

const FILE_MAGIC = [0x45, 0x6c, 0x66, 0x46, 0x69, 0x6c, 0x65, 0x00]; // "ElfFile\0"
const CHUNK_MAGIC = [0x45, 0x6c, 0x66, 0x43, 0x68, 0x6e, 0x6b, 0x00]; // "ElfChnk\0"

export const FILE_FLAG_DIRTY = 0x1;
export const FILE_FLAG_FULL = 0x2;

function startsWith(bytes: Uint8Array, at: number, magic: readonly number[]): boolean {
  if (at + magic.length > bytes.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

export function isEvtxMagic(head: Uint8Array): boolean {
  return startsWith(head, 0, FILE_MAGIC);
}

export function isChunkMagic(bytes: Uint8Array, at: number): boolean {
  return startsWith(bytes, at, CHUNK_MAGIC);
}

/**
 * True for the first bytes of an EVTX file: the `ElfFile` signature, or (a file whose header was damaged)
 * a chunk signature where the first chunk starts.
 */
export function sniffEvtx(head: Uint8Array): boolean {
  return isEvtxMagic(head) || isChunkMagic(head, 4096);
}

type Crc32 = (data: Uint8Array, value?: number) => number;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32Portable(data: Uint8Array, value = 0): number {
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32 (IEEE), continuing from `value`; zlib's native one when this Node has it (20.15+). */
export const crc32: Crc32 = (zlib as unknown as { crc32?: Crc32 }).crc32 ?? crc32Portable;
export { crc32Portable };

export interface FileHeader {
  readonly magicOk: boolean;
  readonly firstChunk: number;
  readonly lastChunk: number;
  readonly nextRecordId: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly chunkCount: number;
  readonly flags: number;
  readonly checksumOk: boolean;
}

function u64(dv: DataView, o: number): number {
  return dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
}

/** Reads the file header from at least 128 bytes. */
export function parseFileHeader(bytes: Uint8Array): FileHeader {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    magicOk: isEvtxMagic(bytes),
    firstChunk: u64(dv, 8),
    lastChunk: u64(dv, 16),
    nextRecordId: u64(dv, 24),
    minorVersion: dv.getUint16(36, true),
    majorVersion: dv.getUint16(38, true),
    chunkCount: dv.getUint16(42, true),
    flags: dv.getUint32(120, true),
    checksumOk: crc32(bytes.subarray(0, 120)) === dv.getUint32(124, true),
  };
}

export interface ChunkHeader {
  readonly firstRecordNumber: number;
  readonly lastRecordNumber: number;
  readonly firstRecordId: number;
  readonly lastRecordId: number;
  readonly lastRecordOffset: number;
  readonly freeSpaceOffset: number;
  readonly dataChecksum: number;
  readonly headerChecksum: number;
  readonly flags: number;
}

/** Reads the header of the chunk at `at` in `bytes` (512 bytes must be there). */
export function parseChunkHeader(dv: DataView, at: number): ChunkHeader {
  return {
    firstRecordNumber: u64(dv, at + 8),
    lastRecordNumber: u64(dv, at + 16),
    firstRecordId: u64(dv, at + 24),
    lastRecordId: u64(dv, at + 32),
    lastRecordOffset: dv.getUint32(at + 44, true),
    freeSpaceOffset: dv.getUint32(at + 48, true),
    dataChecksum: dv.getUint32(at + 52, true),
    flags: dv.getUint32(at + 120, true),
    headerChecksum: dv.getUint32(at + 124, true),
  };
}

/** CRC of a chunk header as stored at offset 124: bytes 0–120 and 128–512. */
export function chunkHeaderCrc(bytes: Uint8Array, at: number): number {
  return crc32(bytes.subarray(at + 128, at + CHUNK_HEADER_SIZE), crc32(bytes.subarray(at, at + 120)));
}

export const RECORD_MAGIC = 0x00002a2a;
export const RECORD_HEADER_SIZE = 24;

/** True when a plausible record starts at `pos`: magic, a size that fits, and the size repeated at its end. */
export function isRecordAt(dv: DataView, pos: number, end: number): boolean {
  if (pos + RECORD_HEADER_SIZE + 4 > end) return false;
  if (dv.getUint32(pos, true) !== RECORD_MAGIC) return false;
  const size = dv.getUint32(pos + 4, true);
  if (size < RECORD_HEADER_SIZE + 4 || pos + size > end) return false;
  return dv.getUint32(pos + size - 4, true) === size;
}
