/**
 * Binary XML (BinXml) token streams of an EVTX chunk, parsed into a small node tree.
 *
 * Two kinds of stream exist: template definitions (the XML skeleton of an event, with substitution slots;
 * defined once per chunk and referred to by chunk offset) and instance streams (a record's body, or a
 * nested BinXml value: usually a fragment header and one template instance with its substitution values).
 * A template is parsed once into `Template.nodes`, and reused for every record that instantiates it: in the
 * same chunk by its offset, and across chunks (and files) through `TemplateCache`, keyed by the template's
 * GUID and size and confirmed by comparing its bytes and the names it refers to, so that most chunks parse
 * no template at all (and the JSON renderers generated for a template, json-jit.ts, are reused with it).
 *
 * Everything read from the file is bounds-checked; a problem throws `BinXmlError` (with the file offset
 * and a reason), which the chunk decoder turns into an issue for that record. Depth is bounded.
 */
import type { ElementJit } from './json-jit.js';
import { VT } from './values.js';
import { internedUtf16, isWellFormed, repairUtf16, reportInvalidUtf16, ucs2, wellFormed } from './values.js';

export const CHUNK_SIZE = 0x10000;

/** Node kinds (numbers, not strings: the renderers switch on them per node). */
export const K = {
  Element: 0,
  Text: 1,
  Subst: 2,
  CharRef: 3,
  Entity: 4,
  PI: 5,
  Instance: 6,
  CData: 7,
} as const;

export interface XElement {
  readonly k: 0;
  readonly name: string;
  readonly attrs: XAttr[];
  readonly children: XNode[];
  /** Renderers generated for this element of a template (json-jit.ts), one per JSON rendering mode. */
  jit: ElementJit | undefined;
  /** Times the JSON renderer reached this element without a generated renderer (compiled when hot). */
  hits: number;
}
export interface XAttr {
  readonly name: string;
  readonly parts: XNode[];
}
export interface XText {
  readonly k: 1;
  readonly text: string;
}
export interface XSubst {
  readonly k: 2;
  readonly index: number;
  /** An optional substitution whose value is empty is left out entirely (as evtx does). */
  readonly optional: boolean;
}
export interface XCharRef {
  readonly k: 3;
  readonly code: number;
}
export interface XEntity {
  readonly k: 4;
  readonly name: string;
}
export interface XPI {
  readonly k: 5;
  readonly target: string;
  readonly data: string;
}
/**
 * Substitution values of a template instance: per value its absolute offset in the buffer, size and type,
 * flattened (3 numbers per value). A plain array: allocating a small typed array costs several times more.
 */
export type ValueTable = number[];

/** A template instance inside an instance stream: the template and where its values are. */
export interface XInstance {
  readonly k: 6;
  readonly template: Template;
  readonly values: ValueTable;
}
export interface XCData {
  readonly k: 7;
  readonly text: string;
}
export type XNode = XElement | XText | XSubst | XCharRef | XEntity | XPI | XInstance | XCData;

export interface Template {
  readonly guid: string;
  readonly nodes: XNode[];
  /** Template bytes with every name-reference field zeroed, to confirm a cache hit. */
  readonly normalized: Buffer;
  /** The template's name references, in the order they were read (see `NameRefs`). */
  readonly refs: NameRefs;
  /** Parsing the definition repaired invalid UTF-16 in its text (reported again on every cache hit). */
  readonly repairedText: boolean;
  /**
   * The element an instance of this template renders as (its first top-level element) when that needs no
   * substitution value to decide: no top-level substitution. Null otherwise (the renderers resolve it).
   */
  readonly root: XElement | null;
}

/**
 * Name references of a template definition. An inline reference points just past itself (the name follows);
 * any other points elsewhere in the chunk (Windows shares a chunk's names between its templates), so the
 * same template in another chunk holds other offsets: a cache hit is confirmed by resolving those names in
 * the new chunk and comparing them, not their offsets.
 */
export interface NameRefs {
  /** Position of each reference field, relative to the template data start. */
  readonly positions: number[];
  readonly inline: boolean[];
  readonly names: string[];
  /** The name's UTF-16 had to be repaired (reported when the chunk reads that name for the first time). */
  readonly malformed: boolean[];
}

export class BinXmlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'BinXmlError';
  }
}

/** Record-level value tables of up to this many values are reused (`instance`). */
const MAX_REUSED_TABLE = 1024;

/** Nesting bound for elements and nested templates together. */
export const MAX_DEPTH = 64;
const MAX_TEMPLATE_CACHE = 4096;
/** And at most this many template bytes (the sample corpus holds 1 MB of templates). */
const MAX_TEMPLATE_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * Parsed templates shared across chunks and files (one per worker thread). A hit behaves exactly like
 * parsing the definition again (the chunk's name table gets the same entries), so output never depends on
 * what was decoded before. Bounded in count and bytes: when full it is cleared, which only costs
 * reparsing (and regenerating the templates' JSON renderers).
 */
export class TemplateCache {
  private readonly byKey = new Map<string, Template[]>();
  private size = 0;
  private bytes = 0;

  /** A cached template whose definition at `start` (in `parser`'s chunk) parses to the same nodes. */
  find(key: string, parser: ChunkParser, start: number, length: number): Template | undefined {
    const candidates = this.byKey.get(key);
    if (candidates === undefined) return undefined;
    for (const candidate of candidates) {
      if (candidate.normalized.length !== length) continue;
      if (matches(candidate, parser, start, length)) return candidate;
    }
    return undefined;
  }

  add(key: string, template: Template): void {
    if (this.size >= MAX_TEMPLATE_CACHE || this.bytes >= MAX_TEMPLATE_CACHE_BYTES) {
      this.byKey.clear();
      this.size = 0;
      this.bytes = 0;
    }
    this.bytes += template.normalized.length;
    const list = this.byKey.get(key);
    if (list === undefined) this.byKey.set(key, [template]);
    else list.push(template);
    this.size++;
  }
}

/**
 * True when the definition at `start` has the candidate's bytes apart from its name-reference fields, each
 * of those is inline exactly where the candidate's was, and the others name the same names in this chunk.
 */
function matches(candidate: Template, parser: ChunkParser, start: number, length: number): boolean {
  const { positions, inline, names, malformed } = candidate.refs;
  const copy = scratch(length);
  parser.buf.copy(copy, 0, start, start + length);
  const ownOffset = start - parser.base + 4; // chunk offset of the bytes just past a field at position 0
  for (let k = 0; k < positions.length; k++) {
    const at = positions[k]!;
    if ((copy.readUInt32LE(at) === ownOffset + at) !== inline[k]) return false;
    copy.writeUInt32LE(0, at);
    if (inline[k]) copy.writeUInt32LE(0, at + 4); // the name's link to the next name: chunk-specific
  }
  if (!copy.equals(candidate.normalized)) return false;
  for (let k = 0; k < positions.length; k++) {
    if (inline[k]) continue;
    const offset = parser.dv.getUint32(start + positions[k]!, true);
    const known = parser.names.get(offset);
    if (known !== undefined) {
      if (known !== names[k]) return false;
      continue;
    }
    // Read for the first time in this chunk: the same name, and repaired (and so reported) alike.
    const raw = parser.rawName(offset);
    if (raw === undefined || repairUtf16(raw) !== names[k] || isWellFormed(raw) === malformed[k])
      return false;
  }
  return true;
}

const sharedCache = new TemplateCache();
let scratchBuffer = Buffer.alloc(4096);
function scratch(n: number): Buffer {
  if (scratchBuffer.length < n) scratchBuffer = Buffer.alloc(Math.max(n, scratchBuffer.length * 2));
  return scratchBuffer.subarray(0, n);
}

/** State for one chunk: its bytes, and the names and templates already read from it. */
export class ChunkParser {
  readonly names = new Map<number, string>();
  readonly templates = new Map<number, Template>();
  private readonly compiling = new Set<number>();
  /** Set while parsing a template definition: its name references. */
  private refs: NameRefs | undefined;
  private dataStart = 0;
  private repairedText = false;

  constructor(
    readonly buf: Buffer,
    readonly dv: DataView,
    /** Offset of the chunk in `buf`; chunk-relative offsets in the data are added to it. */
    readonly base: number,
    /** Offset of the chunk in the file, for locating errors. */
    readonly fileBase: number,
    /** End of the chunk's bytes in `buf` (short for a chunk cut off by the end of the file). */
    readonly limit: number,
    readonly cache: TemplateCache = sharedCache,
  ) {}

  fail(message: string, at: number): never {
    throw new BinXmlError(message, this.fileBase + (at - this.base));
  }

  private need(pos: number, n: number, end: number): void {
    if (pos + n > end) this.fail(`${n} bytes needed but the data ends ${end - pos} bytes later`, pos);
  }

  /** The UTF-16 of the name at chunk offset `offset` as stored, or undefined where none fits. */
  rawName(offset: number): string | undefined {
    const p = this.base + offset;
    if (p + 8 > this.limit) return undefined;
    const count = this.dv.getUint16(p + 6, true);
    if (p + 8 + count * 2 > this.limit) return undefined;
    return ucs2(this.buf, p + 8, p + 8 + count * 2);
  }

  /** A name at chunk offset `offset`: next-name offset, hash, character count, UTF-16 text, NUL. */
  private nameAt(offset: number, at: number): string {
    const cached = this.names.get(offset);
    if (cached !== undefined) return cached;
    const p = this.base + offset;
    const chunkEnd = this.limit;
    if (offset < 0 || p + 8 > chunkEnd)
      this.fail(`name offset 0x${offset.toString(16)} is outside the chunk`, at);
    const count = this.dv.getUint16(p + 6, true);
    if (p + 8 + count * 2 > chunkEnd)
      this.fail(`name of ${count} characters runs past the end of the chunk`, p);
    const name = internedUtf16(this.buf, p + 8, p + 8 + count * 2);
    this.names.set(offset, name);
    return name;
  }

  /** Position after the last name or text read by `readName`/`readCounted` (no tuple per token). */
  private next = 0;

  /** Reads a name reference at `pos`; returns the name, and leaves in `next` the position after the reference (and inline name). */
  private readName(pos: number, end: number): string {
    this.need(pos, 4, end);
    const offset = this.dv.getUint32(pos, true);
    const after = pos + 4;
    if (this.base + offset === after) {
      this.need(after, 8, end);
      const count = this.dv.getUint16(after + 6, true);
      const next = after + 8 + count * 2 + 2;
      this.need(after, next - after, end);
      const name = this.nameAt(offset, pos);
      if (this.refs !== undefined) this.addRef(pos, true, name, offset);
      this.next = next;
      return name;
    }
    const name = this.nameAt(offset, pos);
    if (this.refs !== undefined) this.addRef(pos, false, name, offset);
    this.next = after;
    return name;
  }

  private addRef(pos: number, inline: boolean, name: string, offset: number): void {
    const refs = this.refs!;
    refs.positions.push(pos - this.dataStart);
    refs.inline.push(inline);
    refs.names.push(name);
    refs.malformed.push(!isWellFormed(this.rawName(offset)!));
  }

  /** UTF-16 string with a u16 character count in front (`next` is left after it). */
  private readCounted(pos: number, end: number): string {
    this.need(pos, 2, end);
    const count = this.dv.getUint16(pos, true);
    const stop = pos + 2 + count * 2;
    this.need(pos + 2, count * 2, end);
    this.next = stop;
    if (this.refs === undefined) return internedUtf16(this.buf, pos + 2, stop);
    const text = ucs2(this.buf, pos + 2, stop);
    if (!isWellFormed(text)) this.repairedText = true;
    return wellFormed(text);
  }

  /** The template defined at chunk offset `offset` (parsed, or from a cache). */
  template(offset: number, at: number, depth: number): Template {
    const known = this.templates.get(offset);
    if (known !== undefined) return known;
    const p = this.base + offset;
    const chunkEnd = this.limit;
    if (offset < 0 || p + 24 > chunkEnd) {
      this.fail(`template definition offset 0x${offset.toString(16)} is outside the chunk`, at);
    }
    const size = this.dv.getUint32(p + 20, true);
    const start = p + 24;
    if (start + size > chunkEnd) this.fail(`template of ${size} bytes runs past the end of the chunk`, p);
    if (this.compiling.has(offset)) this.fail('template refers to itself', at);
    const guid = guidKey(this.buf, p + 4);
    const key = `${guid}:${size}`;
    const cached = this.cache.find(key, this, start, size);
    if (cached !== undefined) {
      this.adopt(cached, start);
      this.templates.set(offset, cached);
      return cached;
    }
    this.compiling.add(offset);
    const saved = [this.refs, this.dataStart, this.repairedText] as const;
    const refs: NameRefs = { positions: [], inline: [], names: [], malformed: [] };
    this.refs = refs;
    this.dataStart = start;
    this.repairedText = false;
    let nodes: XNode[];
    let repairedText: boolean;
    try {
      nodes = this.parse(start, start + size, true, depth + 1);
      repairedText = this.repairedText;
    } finally {
      [this.refs, this.dataStart, this.repairedText] = saved;
      this.compiling.delete(offset);
    }
    const normalized = Buffer.from(this.buf.subarray(start, start + size));
    for (let k = 0; k < refs.positions.length; k++) {
      const at = refs.positions[k]!;
      normalized.writeUInt32LE(0, at);
      if (refs.inline[k]) normalized.writeUInt32LE(0, at + 4);
    }
    const root = nodes.some((n) => n.k === K.Subst)
      ? null
      : (nodes.find((n): n is XElement => n.k === K.Element) ?? null);
    const template: Template = { guid, nodes, normalized, refs, repairedText, root };
    this.templates.set(offset, template);
    this.cache.add(key, template);
    return template;
  }

  /** Enters a cached template's names into this chunk's name table, as parsing its definition would. */
  private adopt(template: Template, start: number): void {
    const { positions, inline, names, malformed } = template.refs;
    let repaired = template.repairedText;
    for (let k = 0; k < positions.length; k++) {
      const field = start + positions[k]!;
      const offset = inline[k] ? field + 4 - this.base : this.dv.getUint32(field, true);
      if (this.names.has(offset)) continue;
      if (malformed[k]) repaired = true;
      this.names.set(offset, names[k]!);
    }
    if (repaired) reportInvalidUtf16();
  }

  /**
   * Parses tokens in [pos, end) into nodes, up to an end-of-stream token or `end`. In a template definition
   * elements carry a dependency identifier and substitutions are allowed; in an instance stream template
   * instances are.
   */
  parse(pos: number, end: number, inTemplate: boolean, depth: number): XNode[] {
    if (depth > MAX_DEPTH) this.fail(`BinXml nested deeper than ${MAX_DEPTH} levels`, pos);
    const root: XNode[] = [];
    const stack: XElement[] = [];
    let container = root;
    let inStartTag = false;
    let attr: XAttr | undefined;
    const dv = this.dv;
    while (pos < end) {
      const token = this.buf[pos]!;
      const at = pos;
      switch (token & 0xbf) {
        case 0x00: // end of stream
          if (stack.length > 0) this.fail(`stream ends with ${stack.length} element(s) still open`, at);
          return root;
        case 0x01: {
          if (inStartTag) this.fail('element starts inside a start tag', at);
          if (stack.length + depth > MAX_DEPTH)
            this.fail(`elements nested deeper than ${MAX_DEPTH} levels`, at);
          const hasAttrs = (token & 0x40) !== 0;
          let p = pos + 1;
          if (inTemplate || this.hasDependencyId(p, end)) p += 2;
          this.need(p, 4, end);
          p += 4; // data size: the tokens themselves say where the element ends
          const name = this.readName(p, end);
          p = this.next;
          if (hasAttrs) {
            this.need(p, 4, end);
            p += 4;
          }
          const element: XElement = {
            k: K.Element,
            name,
            attrs: [],
            children: [],
            jit: undefined,
            hits: 0,
          };
          container.push(element);
          stack.push(element);
          inStartTag = true;
          attr = undefined;
          pos = p;
          break;
        }
        case 0x02: // close start tag
          if (!inStartTag) this.fail('close-start-tag token outside a start tag', at);
          inStartTag = false;
          attr = undefined;
          container = stack[stack.length - 1]!.children;
          pos++;
          break;
        case 0x03: // close empty element
        case 0x04: {
          // end element
          if (token === 0x03 ? !inStartTag : inStartTag || stack.length === 0) {
            this.fail(`unexpected ${token === 0x03 ? 'close-empty' : 'end-element'} token`, at);
          }
          inStartTag = false;
          attr = undefined;
          stack.pop();
          container = stack.length > 0 ? stack[stack.length - 1]!.children : root;
          pos++;
          break;
        }
        case 0x05: {
          this.need(pos, 2, end);
          const type = this.buf[pos + 1]!;
          if (type !== VT.String)
            this.fail(`value token of type 0x${type.toString(16)} (only strings expected)`, at);
          const text = this.readCounted(pos + 2, end);
          this.add(inStartTag, attr, container, { k: K.Text, text }, at);
          pos = this.next;
          break;
        }
        case 0x06: {
          if (!inStartTag) this.fail('attribute outside a start tag', at);
          const name = this.readName(pos + 1, end);
          attr = { name, parts: [] };
          stack[stack.length - 1]!.attrs.push(attr);
          pos = this.next;
          break;
        }
        case 0x07: {
          const text = this.readCounted(pos + 1, end);
          this.add(inStartTag, attr, container, { k: K.CData, text }, at);
          pos = this.next;
          break;
        }
        case 0x08: {
          this.need(pos, 3, end);
          this.add(inStartTag, attr, container, { k: K.CharRef, code: dv.getUint16(pos + 1, true) }, at);
          pos += 3;
          break;
        }
        case 0x09: {
          const name = this.readName(pos + 1, end);
          this.add(inStartTag, attr, container, { k: K.Entity, name }, at);
          pos = this.next;
          break;
        }
        case 0x0a: {
          const target = this.readName(pos + 1, end);
          let data = '';
          pos = this.next;
          if (pos < end && this.buf[pos] === 0x0b) {
            data = this.readCounted(pos + 1, end);
            pos = this.next;
          }
          if (inStartTag) this.fail('processing instruction inside a start tag', at);
          container.push({ k: K.PI, target, data });
          break;
        }
        case 0x0b: {
          const data = this.readCounted(pos + 1, end);
          if (inStartTag) this.fail('processing instruction inside a start tag', at);
          container.push({ k: K.PI, target: '', data });
          pos = this.next;
          break;
        }
        case 0x0c: {
          if (inTemplate) this.fail('template instance inside a template definition', at);
          if (inStartTag) this.fail('template instance inside a start tag', at);
          container.push(this.instance(pos, end, depth));
          pos = this.instanceEnd;
          break;
        }
        case 0x0d:
        case 0x0e: {
          if (!inTemplate) this.fail('substitution outside a template definition', at);
          this.need(pos, 4, end);
          const node: XSubst = { k: K.Subst, index: dv.getUint16(pos + 1, true), optional: token === 0x0e };
          this.add(inStartTag, attr, container, node, at);
          pos += 4;
          break;
        }
        case 0x0f:
          this.need(pos, 4, end);
          pos += 4;
          break;
        default:
          this.fail(`unknown BinXml token 0x${token.toString(16)}`, at);
      }
    }
    if (stack.length > 0) this.fail(`data ends with ${stack.length} element(s) still open`, pos);
    return root;
  }

  private add(
    inStartTag: boolean,
    attr: XAttr | undefined,
    container: XNode[],
    node: XNode,
    at: number,
  ): void {
    if (inStartTag) {
      if (attr === undefined) this.fail('value inside a start tag but not in an attribute', at);
      attr.parts.push(node);
    } else {
      container.push(node);
    }
  }

  /**
   * Outside template definitions the dependency identifier of an element is usually absent (evtx's reading);
   * both layouts are tried and the one whose name reference is well-formed wins.
   */
  private hasDependencyId(p: number, end: number): boolean {
    if (p + 10 > end) return false;
    const without = this.dv.getUint32(p + 4, true);
    if (this.base + without === p + 8 || this.names.has(without)) return false;
    const withId = this.dv.getUint32(p + 6, true);
    return this.base + withId === p + 10 || this.names.has(withId);
  }

  /**
   * The usual instance stream (a record's body, nested BinXml): a fragment header, one template instance,
   * the end. Returns that instance, or undefined for anything else (then `parse` reads the stream, and
   * reaches and fails at the same points as this does, having made the same template lookups).
   */
  instanceStream(pos: number, end: number, depth: number, reuse = false): XInstance | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const buf = this.buf;
    if (pos < end && (buf[pos]! & 0xbf) === 0x0f) {
      if (pos + 4 > end) return undefined;
      pos += 4;
    }
    if (pos >= end || (buf[pos]! & 0xbf) !== 0x0c) return undefined;
    const instance = this.instance(pos, end, depth, reuse);
    const next = this.instanceEnd;
    return next >= end || (buf[next]! & 0xbf) === 0x00 ? instance : undefined;
  }

  /** Where the last template instance read by `instance` ends. */
  private instanceEnd = 0;

  /** Value tables of record-level instances, by value count, reused from record to record. */
  private readonly recordTables: ValueTable[] = [];

  /**
   * A template instance token at `pos`: template (inline or by offset) and the substitution value table.
   * With `reuse`, the table is one kept for the next record too: only for a record's own instance, whose
   * table is dropped once the record is rendered (nested instances are read while it is still in use).
   */
  instance(pos: number, end: number, depth: number, reuse = false): XInstance {
    this.need(pos, 10, end);
    const defOffset = this.dv.getUint32(pos + 6, true);
    let p = pos + 10;
    let template: Template;
    if (this.base + defOffset === p) {
      this.need(p, 24, end);
      const size = this.dv.getUint32(p + 20, true);
      this.need(p + 24, size, end);
      template = this.template(defOffset, pos, depth);
      p += 24 + size;
    } else {
      template = this.template(defOffset, pos, depth);
    }
    this.need(p, 4, end);
    const count = this.dv.getUint32(p, true);
    p += 4;
    if (count > (end - p) / 4)
      this.fail(`substitution array of ${count} values does not fit the record`, p - 4);
    let values: ValueTable | undefined;
    if (reuse && count < MAX_REUSED_TABLE) values = this.recordTables[count];
    if (values === undefined) {
      values = new Array<number>(count * 3);
      if (reuse && count < MAX_REUSED_TABLE) this.recordTables[count] = values;
    }
    const buf = this.buf;
    let valuePos = p + count * 4;
    for (let i = 0, q = p; i < count; i++, q += 4) {
      const size = buf[q]! | (buf[q + 1]! << 8);
      values[i * 3] = valuePos;
      values[i * 3 + 1] = size;
      values[i * 3 + 2] = buf[q + 2]!;
      valuePos += size;
    }
    if (valuePos > end) this.fail(`substitution values run ${valuePos - end} bytes past the record`, p);
    this.instanceEnd = valuePos;
    return { k: K.Instance, template, values };
  }
}

function guidKey(buf: Buffer, p: number): string {
  return buf.toString('hex', p, p + 16);
}
